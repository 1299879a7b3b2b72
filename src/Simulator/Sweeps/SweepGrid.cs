using Newtonsoft.Json.Linq;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// A sweep grid as a GRID.json file describes it (docs/SWEEPS.md): a base scenario, fixed
/// <c>key.path=value</c> overrides, and the axes whose cartesian product is the run set. An axis is
/// one of the five shorthands (defences, attacks, q, delays, seeds), any scenario field by the path
/// <c>--set</c> takes (<c>"task.partition": ["iid", "dirichlet:alpha=0.1"]</c>), or several fields varied
/// together (a linked axis, <c>"q+defences": [[4, "zeno:b=4"], [8, "zeno:b=8"]]</c>).
/// </summary>
/// <remarks>
/// <para>A shorthand the grid leaves out takes the base scenario's value (all of its defences; its
/// attack and data attack; its <c>byzantine.count</c>; its <c>workers.compute</c>; its seed). Attack
/// values are a gradient attack spec (sets <c>byzantine.attack</c>, clears <c>dataAttack</c>), a data
/// attack spec such as <c>label-flip</c> (sets <c>byzantine.dataAttack</c>, clears <c>attack</c>), or
/// <c>none</c>: the q Byzantine workers then behave honestly (<c>attack: honest</c>; with q = 0 no attack
/// at all), so defences whose f/b defaults to q see the same q as under the other attacks.</para>
/// <para><b>Dimensions</b> (<see cref="Axes"/>, outermost first): the path and linked axes in the order
/// the grid lists them, then the shorthands not inside a linked axis in the fixed order q, delays,
/// attacks, defences, seeds. <b>Columns</b> (<see cref="Columns"/>): q, delay, attack, defence, seed,
/// then every path field in the order the grid first names it.</para>
/// <para>Parsing checks the grid's shape and each axis value on its own (types, duplicates, specs, each
/// path value applied to the base and parsed as a scenario); <see cref="SweepPlan.Create"/> then
/// resolves and builds every distinct combination before anything runs. Errors name the grid file and
/// the JSON path of the offending value. Immutable.</para>
/// </remarks>
public sealed record SweepGrid
{
    /// <summary>The grid's name (default: the file name without extension); the default output folder is runs/sweep-NAME.</summary>
    public required string Name { get; init; }

    /// <summary>Free text shown in summary.md.</summary>
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

    /// <summary>The dimensions of the run set, outermost first (see the remarks); run indices are mixed-radix over them.</summary>
    public required IReadOnlyList<SweepAxis> Axes { get; init; }

    /// <summary>The results.csv columns that name a run: q, delay, attack, defence, seed, then the path fields.</summary>
    public required IReadOnlyList<SweepField> Columns { get; init; }

    /// <summary>The composition the grid's names resolve in: the caller's, plus the plug-ins of the grid
    /// (<c>"plugins"</c>, relative to the grid file) and of its base scenario.</summary>
    public required CompositionRoot Composition { get; init; }

    /// <summary>Number of runs: the product of the axis lengths.</summary>
    public int RunCount => Axes.Aggregate(1, (n, a) => n * a.Count);

    /// <summary>The axis that varies <paramref name="kind"/> (a shorthand), and the field's position in it.</summary>
    public (SweepAxis Axis, int Field) AxisOf(SweepFieldKind kind)
    {
        foreach (var axis in Axes)
        {
            for (int f = 0; f < axis.Fields.Count; f++)
            {
                if (axis.Fields[f].Kind == kind) return (axis, f);
            }
        }
        throw new InvalidOperationException($"no axis sets {kind}");
    }

    /// <summary>The distinct values of shorthand <paramref name="kind"/> over the grid, in grid order.</summary>
    public IReadOnlyList<SweepValue> ValuesOf(SweepFieldKind kind)
    {
        var (axis, f) = AxisOf(kind);
        var result = new List<SweepValue>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in axis.Values)
        {
            if (seen.Add(value[f].Label)) result.Add(value[f]);
        }
        return result;
    }

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
        // "$schema" points editors at `simbyz schema` output, as in scenario files; it says nothing about the runs.
        _ = r.String("$schema");
        string name = r.String("name", defaultName);
        // Control characters (a line break) are refused too: the name goes into folder names, logs and Slurm's job scripts.
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsControl))
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
                string full = r.FullPath($"$.plugins[{i}]", gridPlugins[i], baseDirectory);
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

        var axesToken = root["axes"];
        _ = r.Has("axes");
        if (axesToken is not null && axesToken.Type != JTokenType.Null && axesToken is not JObject)
        {
            throw r.Error("$.axes", $"expected an object of axes, got {JsonFields.Describe(axesToken)}");
        }
        var reader = new SweepAxisReader(source, baseJson, baseScenario, baseDirectory, resolved.Catalogs);
        var (axes, columns) = reader.Read(axesToken as JObject ?? []);
        r.EnsureNoUnknown();
        long runs = 1;
        foreach (var axis in axes)
        {
            runs *= axis.Count;
            if (runs > MaxRuns) throw r.Error("$.axes", $"the grid has more than {MaxRuns:N0} runs");
        }

        return new SweepGrid
        {
            Name = name,
            Description = description,
            Source = source,
            BaseLabel = baseLabel,
            BaseJson = baseJson,
            Base = baseScenario,
            Sets = sets,
            Axes = axes,
            Columns = columns,
            Composition = resolved,
        };
    }

    /// <summary>The largest grid accepted (run indices are ints).</summary>
    public const int MaxRuns = 100_000_000;

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
        string file = r.FullPath("$.base", value, baseDirectory);
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
                    if (filePlugins[i].Type == JTokenType.String) filePlugins[i] = r.FullPath("$.base", (string)filePlugins[i]!, fileDirectory);
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
}
