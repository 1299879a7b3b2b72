using System.Globalization;
using Newtonsoft.Json.Linq;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Augmentation;
using SimByz.Simulator.Data.Partitioning;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Scenarios;

/// <summary>
/// Reads scenarios: built-in ones by name (embedded JSON), or files; applies <c>--set</c>
/// overrides; validates strictly (unknown fields, wrong types and out-of-range values are rejected
/// with the JSON path and what is allowed).
/// </summary>
public static class ScenarioLoader
{
    private const string ResourcePrefix = "SimByz.Simulator.Scenarios.Builtin.";

    /// <summary>Names of the built-in scenarios, sorted.</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = typeof(ScenarioLoader).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".json".Length])
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>The JSON text of a built-in scenario.</summary>
    public static string BuiltinJson(string name)
    {
        using var stream = typeof(ScenarioLoader).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".json")
            ?? throw new SimByzException($"unknown scenario '{name}' (built-in: {string.Join(", ", BuiltinNames)}; or give a .json file path)");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Loads <paramref name="nameOrFile"/> (a built-in name, or a path to a JSON file), applies the
    /// <c>key.path=value</c> overrides in order, and an explicit seed last.
    /// </summary>
    public static Scenario Load(string? nameOrFile, IEnumerable<string>? sets = null, ulong? seed = null)
    {
        nameOrFile ??= "default";
        JObject root;
        string source;
        string? baseDirectory = null;
        if (IsFile(nameOrFile))
        {
            source = nameOrFile;
            root = ReadFile(nameOrFile);
            baseDirectory = Path.GetDirectoryName(Path.GetFullPath(nameOrFile));
        }
        else
        {
            source = "scenario '" + nameOrFile + "'";
            root = ParseJson(BuiltinJson(nameOrFile), source);
        }
        foreach (string set in sets ?? []) ApplySet(root, set);
        if (seed is not null) root["seed"] = seed.Value;
        return Parse(root, source, baseDirectory);
    }

    /// <summary>Whether <paramref name="nameOrFile"/> names a scenario file rather than a built-in scenario:
    /// it exists, or it looks like a path (then reading it reports what is wrong: missing, a folder, …).</summary>
    public static bool IsFile(string nameOrFile)
        => File.Exists(nameOrFile) || Directory.Exists(nameOrFile)
           || nameOrFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || nameOrFile.Contains('/', StringComparison.Ordinal);

    /// <summary>The JSON object of scenario file <paramref name="path"/>, under the input policy of <see cref="StrictJson"/>.</summary>
    public static JObject ReadFile(string path) => StrictJson.ReadObjectFile(path, "scenario file");

    /// <summary>Parses scenario JSON text.</summary>
    public static Scenario Parse(string json, string source = "scenario") => Parse(ParseJson(json, source), source);

    private static JObject ParseJson(string json, string source) => StrictJson.ParseObject(json, source, "scenario");

    /// <summary>
    /// Applies one <c>key.path=value</c> override; the value is read as JSON when it parses as JSON (under
    /// the same policy as a scenario file: a key given twice is an error), else as a string.
    /// </summary>
    public static void ApplySet(JObject root, string set)
    {
        int eq = set.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) throw new SimByzException($"--set '{set}': expected key.path=value");
        string path = set[..eq].Trim(), raw = set[(eq + 1)..];
        JToken value = StrictJson.ParseSetValue(raw, $"--set '{path}'");
        string[] keys = path.Split('.');
        if (keys[^1].Length == 0) throw new SimByzException($"--set '{set}': empty key in '{path}'");
        JObject obj = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            if (keys[i].Length == 0) throw new SimByzException($"--set '{set}': empty key in '{path}'");
            if (obj[keys[i]] is JObject child)
            {
                obj = child;
            }
            else if (obj[keys[i]] is null || obj[keys[i]]!.Type == JTokenType.Null)
            {
                child = new JObject();
                obj[keys[i]] = child;
                obj = child;
            }
            else
            {
                throw new SimByzException($"--set '{set}': '{string.Join('.', keys[..(i + 1)])}' is not an object");
            }
        }
        obj[keys[^1]] = value;
    }

    /// <summary>Validates and binds a scenario object; relative <c>plugins</c> paths resolve against
    /// <paramref name="baseDirectory"/> (the scenario file's folder; default: the current directory).</summary>
    public static Scenario Parse(JObject root, string source, string? baseDirectory = null)
    {
        var r = new JsonFields(root, source, "$");
        // "$schema" points editors at `simbyz schema` output; it says nothing about the run.
        _ = r.String("$schema");
        var plugins = r.StringArray("plugins");
        var pluginPaths = new List<string>(plugins.Count);
        for (int i = 0; i < plugins.Count; i++)
        {
            if (plugins[i].Trim().Length == 0) throw r.Error($"$.plugins[{i}]", "is empty: expected the path of a plug-in .dll");
            string full = r.FullPath($"$.plugins[{i}]", plugins[i], baseDirectory ?? Directory.GetCurrentDirectory());
            if (!pluginPaths.Contains(full, StringComparer.Ordinal)) pluginPaths.Add(full);
        }
        string name = r.String("name", "unnamed");
        string description = r.String("description", "");
        ulong seed = r.ULong("seed", 1);

        var t = r.Object("task");
        var task = new TaskSection(
            t.String("data", "gaussian-mixture"),
            t.String("model", "softmax"),
            t.String("partition", "iid"),
            t.Split("validation", SplitSize.Of(1000)),
            t.Split("test", SplitSize.None),
            t.Choice("dataHolders", "all", "all", "honest") == "honest" ? DataHolders.Honest : DataHolders.All,
            ParseAugmentation(t));
        t.EnsureNoUnknown();

        var w = r.Object("workers");
        int n = w.Int("count", 10, 1, 100_000);
        int batch = w.Int("batchSize", 32, 1);
        string compute = w.String("compute", "constant:t=10ms");
        string network = w.String("network", "constant:t=1ms");
        var overrides = new List<WorkerOverride>();
        var overrideTokens = w.Array("overrides");
        for (int i = 0; i < overrideTokens.Count; i++)
        {
            var o = new JsonFields(overrideTokens[i], source, $"{w.Path}.overrides[{i}]");
            var ids = o.LongArray("workers", 0, n - 1).Select(x => (int)x).ToList();
            if (ids.Count == 0) throw o.Error($"{o.Path}.workers", "must list at least one worker id");
            overrides.Add(new WorkerOverride(ids, o.String("compute"), o.String("network")));
            o.EnsureNoUnknown();
        }
        var availability = new List<AvailabilityWindow>();
        var availabilityTokens = w.Array("availability");
        for (int i = 0; i < availabilityTokens.Count; i++)
        {
            var a = new JsonFields(availabilityTokens[i], source, $"{w.Path}.availability[{i}]");
            int worker = a.Int("worker", -1, 0, n - 1);
            if (worker < 0) throw a.Error($"{a.Path}.worker", "is required (a worker id)");
            SimTime crash = a.Duration("crash") ?? throw a.Error($"{a.Path}.crash", "is required (a time such as \"2s\")");
            SimTime? recover = a.Duration("recover");
            if (recover is not null && recover <= crash) throw a.Error($"{a.Path}.recover", $"must be after crash ({crash})");
            availability.Add(new AvailabilityWindow(worker, crash, recover));
            a.EnsureNoUnknown();
        }
        w.EnsureNoUnknown();
        var workers = new WorkersSection(n, batch, compute, network, overrides, availability);
        var federation = ParseFederation(r, source, baseDirectory);
        if (federation is not null)
        {
            if (overrides.Count > 0) throw w.Error($"{w.Path}.overrides", "per-worker delay models (and timings) do not apply to federated clients: every client uses workers.compute and workers.network");
            if (availability.Count > 0) throw w.Error($"{w.Path}.availability", "crash windows do not apply to federated clients: give an availability trace in federation.sampling");
            if (task.Partition.Trim() != "iid") throw t.Error($"{t.Path}.partition", $"federated clients take IID slices of the data: partition '{task.Partition}' is not supported with federation (use iid)");
            if (task.DataHolders != DataHolders.All) throw t.Error($"{t.Path}.dataHolders", "\"honest\" is not supported with federation (every client holds data)");
        }

        var b = r.Object("byzantine");
        int q = b.Int("count", 0, 0, n - 1);
        string select = b.Choice("select", "first", "first", "random", "explicit");
        var idList = b.LongArray("ids", 0, n - 1).Select(x => (int)x).ToList();
        if (select == "explicit")
        {
            if (idList.Distinct().Count() != idList.Count) throw b.Error($"{b.Path}.ids", "lists a worker twice");
            if (b.Has("count") && q != idList.Count) throw b.Error($"{b.Path}.count", $"is {q} but ids lists {idList.Count} workers");
            q = idList.Count;
            if (q > n - 1) throw b.Error($"{b.Path}.ids", $"{q} Byzantine workers of {n}: at least one must be honest");
        }
        else if (idList.Count > 0)
        {
            throw b.Error($"{b.Path}.ids", "is only used with select \"explicit\"");
        }
        var byzantine = new ByzantineSection(q, select, idList, b.String("attack"), b.String("dataAttack"), b.String("behaviour"));
        b.EnsureNoUnknown();

        var p = r.Object("protocol");
        string kind = p.Choice("kind", "sync", "sync", "async");
        string wait = p.Choice("wait", "all", "all", "first-k", "deadline");
        var protocol = new ProtocolOptions(
            kind == "sync" ? ProtocolKind.Sync : ProtocolKind.Async,
            wait switch { "all" => SyncWait.All, "first-k" => SyncWait.FirstK, _ => SyncWait.Deadline },
            p.Int("k", 0, 0, federation?.PerRound ?? n),
            p.Duration("deadline") ?? SimTime.Zero,
            p.Long("maxStaleness", -1, -1),
            p.Int("asyncBuffer", 0, 0, 100_000),
            p.Choice("staleness", "versions", "versions", "messages", "time") switch
            {
                "messages" => StalenessMeasure.Messages,
                "time" => StalenessMeasure.Time,
                _ => StalenessMeasure.Versions,
            });
        if (protocol.Wait == SyncWait.FirstK && protocol.K < 1) throw p.Error($"{p.Path}.k", "wait \"first-k\" needs k in [1, workers.count]");
        if (protocol.Wait == SyncWait.Deadline && protocol.Deadline <= SimTime.Zero) throw p.Error($"{p.Path}.deadline", "wait \"deadline\" needs a positive deadline such as \"50ms\"");
        p.EnsureNoUnknown();

        var o2 = r.Object("optimizer");
        string schedule = o2.Choice("schedule", "constant", "constant", "step", "inverse-sqrt");
        var optimizer = new OptimizerOptions(
            o2.Double("learningRate", 0.1, 0, 1e6),
            schedule switch { "constant" => LearningRateScheduleKind.Constant, "step" => LearningRateScheduleKind.Step, _ => LearningRateScheduleKind.InverseSqrt },
            o2.Double("stepFactor", 0.1, 0, 1e6),
            o2.LongArray("milestones", 0).ToArray(),
            o2.Double("momentum", 0, 0, 1),
            o2.Double("weightDecay", 0, 0, 1e6),
            o2.Double("workerMomentum", 0, 0, 1),
            o2.Int("localSteps", 1, 1, 100_000));
        if (optimizer.LearningRate <= 0) throw o2.Error($"{o2.Path}.learningRate", "must be > 0");
        o2.EnsureNoUnknown();

        var defences = r.StringArray("defences");
        if (defences.Count == 0) defences = [protocol.Kind == ProtocolKind.Sync ? "mean" : "async-sgd"];
        if (defences.Distinct(StringComparer.Ordinal).Count() != defences.Count) throw r.Error("$.defences", "lists a defence twice");
        int validationBatch = r.Int("validationBatch", 32, 1);

        var bu = r.Object("budget");
        var budget = new BudgetOptions(bu.Long("steps", 100, 0), bu.Duration("time"), bu.Long("maxMessages", 0, 0));
        if (budget.Steps == 0 && budget.Time is null) throw bu.Error(bu.Path, "give steps ≥ 1 or a time");
        bu.EnsureNoUnknown();

        var ev = r.Object("evaluation");
        var evaluation = new EvaluationOptions(ev.Int("every", 10, 0), ev.Int("trainRows", 2000, 0));
        ev.EnsureNoUnknown();
        r.EnsureNoUnknown();

        return new Scenario
        {
            Name = name,
            Description = description,
            Seed = seed,
            Task = task,
            Workers = workers,
            Byzantine = byzantine,
            Protocol = protocol,
            Optimizer = optimizer,
            Defences = defences,
            ValidationBatch = validationBatch,
            Budget = budget,
            Evaluation = evaluation,
            Plugins = pluginPaths,
            Federation = federation,
        };
    }

    /// <summary>The <c>federation</c> section, or null when absent (a classic run).</summary>
    private static FederationSection? ParseFederation(JsonFields r, string source, string? baseDirectory)
    {
        if (r.OptionalObject("federation") is not { } f) return null;
        int clients = f.Int("clients", 0, 1, Engine.Federation.ClientPopulation.MaxClients);
        if (!f.Has("clients")) throw f.Error($"{f.Path}.clients", $"is required: the number of clients N in [1, {Engine.Federation.ClientPopulation.MaxClients}]");
        int perRound = f.Int("perRound", 0, 1, 100_000);
        if (!f.Has("perRound")) throw f.Error($"{f.Path}.perRound", "is required: the clients sampled per round m, in [1, clients]");
        if (perRound > clients) throw f.Error($"{f.Path}.perRound", $"{perRound} is more than the {clients} clients: expected in [1, {clients}]");
        string sampling = f.String("sampling", "uniform").Trim();
        string? traceFile = null;
        if (sampling != "uniform")
        {
            const string prefix = "availability:file=";
            if (!sampling.StartsWith(prefix, StringComparison.Ordinal) || sampling.Length == prefix.Length)
            {
                throw f.Error($"{f.Path}.sampling", $"'{sampling}' is not a sampling: expected \"uniform\" or \"availability:file=PATH\" (a CSV client,from,to)");
            }
            traceFile = f.FullPath($"{f.Path}.sampling", sampling[prefix.Length..], baseDirectory ?? Directory.GetCurrentDirectory());
            sampling = prefix + traceFile;
        }
        var byzantine = f.Split("byzantine", SplitSize.None);
        var section = new FederationSection(clients, perRound, sampling, byzantine, traceFile);
        if (section.ByzantineClients > clients - 1)
        {
            throw f.Error($"{f.Path}.byzantine", $"{section.ByzantineClients} Byzantine clients of {clients}: at least one client must be honest");
        }
        f.EnsureNoUnknown();
        return section;
    }

    private static AugmentationSpec ParseAugmentation(JsonFields t)
    {
        string spec = t.String("augmentation", "none");
        try
        {
            return AugmentationSpec.Parse(spec);
        }
        catch (SimByzException ex) when (ex.JsonPath is null)
        {
            throw ex.AtPath($"{t.Path}.augmentation");
        }
    }

    internal static string Invariant(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
