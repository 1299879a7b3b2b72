using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;
using SimByz.Specs;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// A sweep grid as a GRID.json file describes it (docs/SWEEPS.md): a base scenario, fixed
/// <c>key.path=value</c> overrides, and the axes whose cartesian product is the run set: defences,
/// attacks, q (Byzantine count), delays (compute-latency models: <c>workers.compute</c>) and seeds.
/// </summary>
/// <remarks>
/// <para>A missing axis takes the base scenario's value (all of its defences; its attack and data
/// attack; its <c>byzantine.count</c>; its <c>workers.compute</c>; its seed). Attack values are a
/// gradient attack spec (sets <c>byzantine.attack</c>, clears <c>dataAttack</c>), a data attack spec
/// such as <c>label-flip</c> (sets <c>byzantine.dataAttack</c>, clears <c>attack</c>), or <c>none</c>:
/// the q Byzantine workers then behave honestly (<c>attack: honest</c>; with q = 0 no attack at all), so
/// defences whose f/b defaults to q see the same q as under the other attacks.</para>
/// <para>Parsing checks the grid's shape and each axis value on its own (types, duplicates, attack and
/// delay specs, q &lt; workers.count); <see cref="SweepPlan.Create"/> then resolves and builds every
/// combination before anything runs. Errors name the grid file and the JSON path. Immutable.</para>
/// </remarks>
public sealed record SweepGrid
{
    /// <summary>The grid's name (default: the file name without extension); the default output folder is runs/sweep-NAME.</summary>
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    /// <summary>Where the grid came from (the file path), for messages.</summary>
    public required string Source { get; init; }

    /// <summary>How the base scenario was given: a built-in name, a file path, or "inline".</summary>
    public required string BaseLabel { get; init; }

    /// <summary>The base scenario with the fixed overrides applied (JSON; axes are applied on top of it).</summary>
    public required JObject BaseJson { get; init; }

    /// <summary>The base scenario with the fixed overrides, parsed.</summary>
    public required Scenario Base { get; init; }

    /// <summary>The fixed overrides, in order.</summary>
    public required IReadOnlyList<string> Sets { get; init; }

    public required SweepAxis<string> Defences { get; init; }

    public required SweepAxis<SweepAttack> Attacks { get; init; }

    public required SweepAxis<int> Q { get; init; }

    /// <summary>Compute-latency delay model specs (<c>workers.compute</c>).</summary>
    public required SweepAxis<string> Delays { get; init; }

    public required SweepAxis<ulong> Seeds { get; init; }

    /// <summary>The composition the grid's names resolve in: the caller's, plus the plug-ins of the grid
    /// (<c>"plugins"</c>, relative to the grid file) and of its base scenario.</summary>
    public required CompositionRoot Composition { get; init; }

    /// <summary>Number of runs: the product of the axis lengths.</summary>
    public int RunCount => Defences.Count * Attacks.Count * Q.Count * Delays.Count * Seeds.Count;

    /// <summary>Reads and checks a grid file; a file base is resolved relative to the grid's folder.</summary>
    /// <exception cref="SimByzException">Missing or malformed file, unknown field, bad axis value (with its JSON path).</exception>
    public static SweepGrid Load(string path, CompositionRoot? composition = null)
    {
        string json = StrictText.ReadFile(path, "grid file");
        string name = Path.GetFileNameWithoutExtension(path);
        return Parse(json, path, Path.GetDirectoryName(Path.GetFullPath(path))!, name, composition);
    }

    /// <summary>Parses grid JSON text; <paramref name="baseDirectory"/> resolves a base given as a file path.</summary>
    /// <param name="json">The grid text.</param>
    /// <param name="source">Its name in messages.</param>
    /// <param name="baseDirectory">Resolves a base given as a file path and relative plug-in paths.</param>
    /// <param name="defaultName">The name when the grid gives none.</param>
    /// <param name="composition">Catalogues and backend to resolve names in (default: the built-ins); the grid's plug-ins are added to it.</param>
    public static SweepGrid Parse(string json, string source, string baseDirectory, string defaultName = "sweep", CompositionRoot? composition = null)
    {
        var root = ReadJson(json, source);
        var r = new JsonFields(root, source, "$");
        string name = r.String("name", defaultName);
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/', StringComparison.Ordinal))
        {
            throw r.Error("$.name", $"'{name}' is not usable in a folder name (runs/sweep-NAME)");
        }
        string description = r.String("description", "");

        var (baseJson, baseLabel, baseSource) = ReadBase(root, r, source, baseDirectory);
        var gridPlugins = r.StringArray("plugins");
        if (gridPlugins.Count > 0)
        {
            var merged = baseJson["plugins"] as JArray ?? [];
            for (int i = 0; i < gridPlugins.Count; i++)
            {
                if (gridPlugins[i].Trim().Length == 0) throw r.Error($"$.plugins[{i}]", "is empty: expected the path of a plug-in .dll");
                string full = Path.GetFullPath(gridPlugins[i], baseDirectory);
                if (!merged.Any(t => (string?)t == full)) merged.Add(full);
            }
            baseJson["plugins"] = merged;
        }
        var sets = r.StringArray("set");
        for (int i = 0; i < sets.Count; i++)
        {
            try
            {
                ScenarioLoader.ApplySet(baseJson, sets[i]);
            }
            catch (SimByzException ex)
            {
                throw r.Error($"$.set[{i}]", ex.Message);
            }
        }
        Scenario baseScenario = ScenarioLoader.Parse((JObject)baseJson.DeepClone(), baseSource, baseDirectory);
        CompositionRoot resolved;
        try
        {
            resolved = PluginLoader.Load(composition ?? CompositionRoot.Default, baseScenario.Plugins);
        }
        catch (SimByzException ex) when (ex.JsonPath is null)
        {
            throw r.Error("$.plugins", ex.Message);
        }
        var catalogs = resolved.Catalogs;

        var a = r.Object("axes");
        var defences = StringAxis(a, "defences", baseScenario.Defences, _ => { });
        var attacks = AttackAxis(a, baseScenario, catalogs);
        var q = QAxis(a, baseScenario);
        var delays = StringAxis(a, "delays", [baseScenario.Workers.Compute], spec => DelayModelCatalog.Parse(spec, catalogs.Delays));
        var seeds = SeedAxis(a, baseScenario);
        a.EnsureNoUnknown();
        r.EnsureNoUnknown();

        return new SweepGrid
        {
            Name = name,
            Description = description,
            Source = source,
            BaseLabel = baseLabel,
            BaseJson = baseJson,
            Base = baseScenario,
            Sets = sets,
            Defences = defences,
            Attacks = attacks,
            Q = q,
            Delays = delays,
            Seeds = seeds,
            Composition = resolved,
        };
    }

    private static JObject ReadJson(string json, string source) => StrictJson.ParseObject(json, source, "grid");

    /// <summary>The base: a built-in scenario name, a scenario file relative to the grid, or an inline object.</summary>
    private static (JObject Json, string Label, string Source) ReadBase(JObject root, JsonFields r, string source, string baseDirectory)
    {
        _ = r.Has("base"); // marks the field as known
        JToken token = root["base"] is { Type: not JTokenType.Null } t ? t : new JValue("default");
        if (token is JObject inline) return ((JObject)inline.DeepClone(), "inline", $"{source}: $.base");
        if (token.Type != JTokenType.String)
        {
            throw r.Error("$.base", $"expected a built-in scenario name, a scenario file path or a scenario object, got {JsonFields.Describe(token)}");
        }
        string value = (string)token!;
        string file = Path.Combine(baseDirectory, value);
        bool looksLikeFile = value.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || value.Contains('/', StringComparison.Ordinal);
        if (looksLikeFile || File.Exists(file))
        {
            if (!File.Exists(file)) throw r.Error("$.base", $"scenario file '{value}' does not exist (looked for {file}; a file base is relative to the grid file)");
            JObject json;
            try
            {
                json = StrictJson.ReadObjectFile(file, "scenario file");
            }
            catch (SimByzException ex)
            {
                throw r.Error("$.base", ex.Message);
            }
            // Plug-in paths in a base scenario file are relative to that file, not to the grid.
            if (json["plugins"] is JArray filePlugins)
            {
                string fileDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
                for (int i = 0; i < filePlugins.Count; i++)
                {
                    if (filePlugins[i].Type == JTokenType.String) filePlugins[i] = Path.GetFullPath((string)filePlugins[i]!, fileDirectory);
                }
            }
            // A scenario file may take its workers' latencies from a timing CSV beside it.
            if (json["timings"] is not null) TimingCsv.Expand(json, Path.GetDirectoryName(Path.GetFullPath(file))!, file);
            return (json, value, file);
        }
        if (!ScenarioLoader.BuiltinNames.Contains(value, StringComparer.Ordinal))
        {
            throw r.Error("$.base", $"unknown scenario '{value}' (built-in: {string.Join(", ", ScenarioLoader.BuiltinNames)}; or a .json file path relative to the grid, or an inline scenario object)");
        }
        return (ReadJson(ScenarioLoader.BuiltinJson(value), $"scenario '{value}'"), value, $"{source}: $.base (scenario '{value}')");
    }

    private static SweepAxis<string> StringAxis(JsonFields a, string key, IReadOnlyList<string> fallback, Action<string> check)
    {
        if (!a.Has(key)) return new SweepAxis<string>(key, fallback, false);
        var values = a.StringArray(key);
        RequireNonEmptyDistinct(a, key, values.Select(v => v.Trim()).ToList());
        for (int i = 0; i < values.Count; i++)
        {
            try
            {
                check(values[i]);
            }
            catch (SimByzException ex)
            {
                throw a.Error($"{a.Path}.{key}[{i}]", ex.Message);
            }
        }
        return new SweepAxis<string>(key, values.Select(v => v.Trim()).ToList(), true);
    }

    private static SweepAxis<SweepAttack> AttackAxis(JsonFields a, Scenario b, ComponentCatalogs catalogs)
    {
        if (!a.Has("attacks"))
        {
            string label = (b.Byzantine.Attack, b.Byzantine.DataAttack) switch
            {
                (null, null) => "none",
                ({ } g, null) => g,
                (null, { } d) => d,
                ({ } g, { } d) => g + " & " + d,
            };
            return new SweepAxis<SweepAttack>("attacks", [new SweepAttack(label, b.Byzantine.Attack, b.Byzantine.DataAttack, FromBase: true)], false);
        }
        var values = a.StringArray("attacks");
        RequireNonEmptyDistinct(a, "attacks", values.Select(v => v.Trim()).ToList());
        var result = new List<SweepAttack>();
        var gradientNames = catalogs.Attacks.GradientAttacks.Select(i => i.Name).ToList();
        var dataNames = catalogs.Attacks.DataAttacks.Select(i => i.Name).ToList();
        for (int i = 0; i < values.Count; i++)
        {
            string spec = values[i].Trim();
            string path = $"{a.Path}.attacks[{i}]";
            if (spec == "none")
            {
                result.Add(new SweepAttack("none", null, null, FromBase: false));
                continue;
            }
            try
            {
                string attackName = ComponentSpec.Parse(spec, "attack").Name;
                if (dataNames.Contains(attackName, StringComparer.Ordinal))
                {
                    catalogs.Attacks.CreateDataAttack(spec, new AttackBuildContext(b.Seed, b.Byzantine.Count, catalogs.Aggregators));
                    result.Add(new SweepAttack(spec, null, spec, FromBase: false));
                }
                else if (gradientNames.Contains(attackName, StringComparer.Ordinal))
                {
                    catalogs.Attacks.CreateGradientAttack(spec, new AttackBuildContext(b.Seed, b.Byzantine.Count, catalogs.Aggregators));
                    result.Add(new SweepAttack(spec, spec, null, FromBase: false));
                }
                else
                {
                    throw new SimByzException($"unknown attack '{attackName}' (gradient attacks: {string.Join(", ", gradientNames)}; data attacks: {string.Join(", ", dataNames)}; or none)");
                }
            }
            catch (SimByzException ex)
            {
                throw a.Error(path, ex.Message);
            }
        }
        return new SweepAxis<SweepAttack>("attacks", result, true);
    }

    private static SweepAxis<int> QAxis(JsonFields a, Scenario b)
    {
        if (!a.Has("q")) return new SweepAxis<int>("q", [b.Byzantine.Count], false);
        if (b.Byzantine.Select == "explicit")
        {
            throw a.Error($"{a.Path}.q", "the base scenario names its Byzantine workers (byzantine.select \"explicit\"); a q axis needs select \"first\" or \"random\"");
        }
        int n = b.Workers.Count;
        var values = a.LongArray("q");
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] < 0 || values[i] >= n)
            {
                throw a.Error($"{a.Path}.q[{i}]", $"q = {values[i]}: expected 0 ≤ q < workers.count = {n} (at least one worker must be honest)");
            }
        }
        RequireNonEmptyDistinct(a, "q", values);
        return new SweepAxis<int>("q", values.Select(v => (int)v).ToList(), true);
    }

    private static SweepAxis<ulong> SeedAxis(JsonFields a, Scenario b)
    {
        if (!a.Has("seeds")) return new SweepAxis<ulong>("seeds", [b.Seed], false);
        var values = a.LongArray("seeds", 0);
        RequireNonEmptyDistinct(a, "seeds", values);
        return new SweepAxis<ulong>("seeds", values.Select(v => (ulong)v).ToList(), true);
    }

    private static void RequireNonEmptyDistinct<T>(JsonFields a, string key, IReadOnlyList<T> values)
    {
        if (values.Count == 0) throw a.Error($"{a.Path}.{key}", "is empty: give at least one value, or leave the axis out to use the base scenario's value");
        for (int i = 0; i < values.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (EqualityComparer<T>.Default.Equals(values[i], values[j]))
                {
                    throw a.Error($"{a.Path}.{key}[{i}]", $"repeats {a.Path}.{key}[{j}] ({values[i]})");
                }
            }
        }
    }
}

/// <summary>One axis of a grid: its values in the grid's order, and whether the grid gave it (false: the base's value).</summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed record SweepAxis<T>(string Name, IReadOnlyList<T> Values, bool Given)
{
    public int Count => Values.Count;

    public T this[int i] => Values[i];
}

/// <summary>A value of the attacks axis: its label (as written in the grid) and what it sets.</summary>
/// <param name="Label">As written: a spec, or <c>none</c>.</param>
/// <param name="Attack">The gradient attack spec, or null.</param>
/// <param name="DataAttack">The data attack spec, or null.</param>
/// <param name="FromBase">True when the grid has no attacks axis: the base scenario's attack fields are kept as they are.</param>
public sealed record SweepAttack(string Label, string? Attack, string? DataAttack, bool FromBase);
