using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// The runs of a grid, checked and keyed, without holding them: a run's axis values
/// (<see cref="Point"/>) and resolved scenario (<see cref="Run"/>) are computed from its index when asked
/// for; the plan keeps one run key and nothing else per run.
/// </summary>
/// <remarks>
/// <para><b>Grid order</b> (results.csv, summary, run indices): mixed radix over
/// <see cref="SweepGrid.Axes"/>, the first axis outermost: the path and linked axes as the grid lists
/// them, then q, delays, attacks, defences, seeds (innermost).</para>
/// <para><b>Validation.</b> A <i>template</i> is a combination of every axis value but the defences and
/// seeds shorthands. <see cref="Create"/> builds each template's scenario with all of its defences and
/// the first seed exactly as <c>simbyz run</c> builds it (task, delay models, attack, every defence's
/// declared tolerance condition at that n and q), so one bad combination fails the sweep before any run
/// with the grid path of the offending value. Other seeds are not built (a seed does not change what
/// is valid); every run's scenario is resolved and keyed. Data sources are shared through a small cache,
/// never held per cell.</para>
/// <para><b>Run key</b>: the first 32 hex digits of SHA-256 of the compact JSON
/// <c>{"format":"simbyz-sweep-run/1","simbyzVersion":V,"device":D,"scenario":S}</c>, where S is the
/// run's fully resolved scenario (<see cref="Scenario.ToJson"/>, its one defence in <c>defences</c>) with
/// name and description blanked (they do not change results), V the SimByz version and D the torch
/// device kind (cpu or cuda) for TorchSharp models, null for managed ones. Same key ⇒ same result for
/// one build of SimByz. Limit: V is the release version without the commit, so a code change between
/// two commits of one version does not change the key (delete the stored runs after upgrading SimByz;
/// see docs/SWEEPS.md). Two grid points with the same key are rejected at planning: the runs of one template
/// differ in their seed or defence (an axis never repeats a value), so two runs share a key exactly when their
/// templates do, and planning compares the templates' keys (one per template), not the runs'.</para>
/// <para><b>Cost</b> of a run, for balancing shards: steps × workers × model parameters of its
/// template. Immutable and thread-safe once created (its file cache, <see cref="Files"/>, only saves reads).</para>
/// </remarks>
public sealed class SweepPlan
{
    /// <summary>What the file data sources read while planning, kept for running the same plan (one read per sweep; see
    /// <see cref="SimByz.Simulator.Data.Readers.FileDataCache"/>).</summary>
    internal SimByz.Simulator.Data.Readers.FileDataCache Files { get; } = new();

    /// <summary>The message slabs its runs hand on to each other (speed only; see <see cref="SimByz.Simulator.Engine.RunBuffers"/>), one pool per sweep.</summary>
    internal SimByz.Simulator.Engine.RunBuffers Buffers { get; } = new();

    /// <summary>Format tag of a run key and of a stored run.</summary>
    public const string Format = "simbyz-sweep-run/1";

    /// <summary>Templates whose scenarios are kept after planning (beyond it they are parsed again when asked for).</summary>
    private const int KeptTemplates = 4096;

    private readonly long[] _costs;
    private readonly Scenario?[] _templates;
    private readonly int[] _radix;
    private readonly int _defenceAxis;
    private readonly int _seedAxis;
    private readonly int _inner;
    private readonly int _seedCount;
    private readonly IReadOnlyList<SweepValue> _defenceValues;
    private readonly IReadOnlyList<SweepValue> _seedValues;
    private MemoryBudget? _memory;

    private SweepPlan(SweepGrid grid, string version, string? device)
    {
        Grid = grid;
        SimByzVersion = version;
        Device = device;
        RunCount = grid.RunCount;
        _radix = grid.Axes.Select(a => a.Count).ToArray();
        int last = grid.Axes.Count - 1;
        // The seeds and defences shorthands, when not linked, are the innermost axes: the runs of a
        // template are one contiguous block of defences × seeds.
        _seedAxis = !grid.Axes[last].IsLinked && grid.Axes[last].Fields[0].Kind == SweepFieldKind.Seed ? last : -1;
        int d = _seedAxis >= 0 ? last - 1 : last;
        _defenceAxis = d >= 0 && !grid.Axes[d].IsLinked && grid.Axes[d].Fields[0].Kind == SweepFieldKind.Defence ? d : -1;
        _seedCount = _seedAxis >= 0 ? grid.Axes[_seedAxis].Count : 1;
        _inner = _seedCount * (_defenceAxis >= 0 ? grid.Axes[_defenceAxis].Count : 1);
        _defenceValues = _defenceAxis >= 0 ? grid.Axes[_defenceAxis].Values.Select(v => v[0]).ToList() : [];
        _seedValues = _seedAxis >= 0 ? grid.Axes[_seedAxis].Values.Select(v => v[0]).ToList() : [];
        int templates = RunCount / _inner;
        _costs = new long[templates];
        _templates = new Scenario?[Math.Min(templates, KeptTemplates)];
    }

    /// <summary>The grid.</summary>
    public SweepGrid Grid { get; }

    /// <summary>Number of runs.</summary>
    public int RunCount { get; }

    /// <summary>The SimByz version keyed into every run.</summary>
    public string SimByzVersion { get; }

    /// <summary>The torch device kind keyed into torch runs, or null.</summary>
    public string? Device { get; }

    /// <summary>False when a model shares process-wide state (torch's global generator): its runs go one at a time.</summary>
    public bool SupportsParallelRuns { get; private set; } = true;

    /// <summary>Number of templates (combinations of every axis but the defences and seeds shorthands).</summary>
    public int TemplateCount => _costs.Length;

    /// <summary>Number of runs of a template: the defences × seeds shorthands' values (1 when both are linked or absent).</summary>
    public int RunsPerTemplate => _inner;

    /// <summary>The template of run <paramref name="index"/>.</summary>
    public int TemplateOf(int index) => index / _inner;

    /// <summary>The run key of run <paramref name="index"/>, computed from its template (each thread keeps the last template's
    /// JSON, so keying the runs of a template in a row parses and serializes it once).</summary>
    public string KeyOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RunCount);
        int t = index / _inner;
        var cache = t_keyCache;
        if (cache is null || !ReferenceEquals(cache.Plan, this) || cache.Template != t)
        {
            cache = new KeyCache(this, t, (TemplateScenario(t) with { Name = "", Description = "" }).ToJson());
            t_keyCache = cache;
        }
        int r = index % _inner;
        if (_seedAxis >= 0) cache.Json["seed"] = new JValue((ulong)_seedValues[r % _seedCount].Json);
        if (_defenceAxis >= 0) cache.Json["defences"] = new JArray(_defenceValues[r / _seedCount].Label);
        return KeyOfJson(cache.Json, SimByzVersion, Device);
    }

    /// <summary>The last template a thread keyed runs of (its JSON is changed in place, by that thread only).</summary>
    private sealed record KeyCache(SweepPlan Plan, int Template, JObject Json);

    [ThreadStatic]
    private static KeyCache? t_keyCache;

    /// <summary>The estimated cost of run <paramref name="index"/>: steps × workers × model parameters.</summary>
    public long CostOf(int index) => _costs[index / _inner];

    /// <summary>
    /// The run whose setup run <paramref name="index"/> can share: runs that differ only in the defence
    /// have the same setup (data, split, delay models, attack), as <c>simbyz run</c> shares one between its defences.
    /// </summary>
    public int CellOf(int index) => _defenceAxis < 0 ? index : index - (index / _seedCount % _radix[_defenceAxis]) * _seedCount;

    /// <summary>
    /// Every run index, seed by seed (outermost), then template by template, then defence by defence: the runs that share a
    /// setup (<see cref="CellOf"/>) are consecutive, and the runs of one seed come together. Enumerated lazily.
    /// </summary>
    public IEnumerable<int> SetupOrder()
    {
        int defences = _inner / _seedCount;
        for (int s = 0; s < _seedCount; s++)
        {
            for (int t = 0; t < TemplateCount; t++)
            {
                for (int d = 0; d < defences; d++) yield return t * _inner + d * _seedCount + s;
            }
        }
    }

    /// <summary>The seed position of run <paramref name="index"/> on the seeds axis (0 when seeds are linked).</summary>
    public int SeedIndexOf(int index) => _seedAxis < 0 ? 0 : index % _seedCount;

    /// <summary>Every run's axis values, in grid order.</summary>
    public IEnumerable<SweepPoint> Points
    {
        get
        {
            for (int i = 0; i < RunCount; i++) yield return Point(i);
        }
    }

    /// <summary>The value index on each axis of run <paramref name="index"/>.</summary>
    public int[] Coordinates(int index)
    {
        var c = new int[_radix.Length];
        for (int a = _radix.Length - 1; a >= 0; a--)
        {
            c[a] = index % _radix[a];
            index /= _radix[a];
        }
        return c;
    }

    /// <summary>The axis values of run <paramref name="index"/>.</summary>
    public SweepPoint Point(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RunCount);
        var c = Coordinates(index);
        int q = 0;
        string delay = "", defence = "";
        ulong seed = 0;
        SweepAttack? attack = null;
        var names = new List<string>();
        var labels = new List<string>();
        for (int a = 0; a < c.Length; a++)
        {
            var axis = Grid.Axes[a];
            var value = axis.Values[c[a]];
            for (int f = 0; f < axis.Fields.Count; f++)
            {
                var v = value[f];
                switch (axis.Fields[f].Kind)
                {
                    case SweepFieldKind.Q: q = (int)v.Json; break;
                    case SweepFieldKind.Delay: delay = v.Label; break;
                    case SweepFieldKind.Attack: attack = v.Attack; break;
                    case SweepFieldKind.Defence: defence = v.Label; break;
                    case SweepFieldKind.Seed: seed = (ulong)v.Json; break;
                    default:
                        names.Add(axis.Fields[f].Name);
                        labels.Add(v.Label);
                        break;
                }
            }
        }
        // Path columns in their documented order (the grid's), whatever the axis order.
        var fields = new string[labels.Count];
        var fieldNames = new string[labels.Count];
        int k = 0;
        foreach (var column in Grid.Columns)
        {
            if (column.Kind != SweepFieldKind.Path) continue;
            int at = names.IndexOf(column.Name);
            fields[k] = labels[at];
            fieldNames[k++] = column.Name;
        }
        return new SweepPoint(index, c, q, delay, attack!, defence, seed, fields, fieldNames);
    }

    /// <summary>Run <paramref name="index"/>: its axis values, resolved scenario and key.</summary>
    public SweepRun Run(int index)
    {
        var point = Point(index);
        var scenario = TemplateScenario(index / _inner);
        if (_defenceAxis >= 0) scenario = scenario with { Defences = [point.Defence] };
        if (_seedAxis >= 0) scenario = scenario with { Seed = point.Seed };
        return new SweepRun(point, scenario, KeyOf(index));
    }

    /// <summary>
    /// Expands <paramref name="grid"/> and checks every template (each spec resolves at each q, the task
    /// builds, every declared tolerance condition holds, …) before anything runs; keys every run.
    /// </summary>
    /// <param name="grid">The grid.</param>
    /// <param name="simbyzVersion">The SimByz version (part of each run key).</param>
    /// <param name="device">Torch device kind (cpu, cuda) when the model is a TorchSharp one, else null.</param>
    /// <param name="threads">Threads for building and keying (the plan does not depend on it).</param>
    /// <param name="memory">When given, every template's run is estimated (<see cref="MemoryEstimate"/>, one defence, no trace: what a
    /// sweep run holds) before its data is loaded, <see cref="MemoryBudget.RunsAtOnce"/> of them together, and the first in grid order
    /// above <see cref="MemoryBudget.Limit"/> is refused.</param>
    /// <exception cref="SimByzException">The first bad combination in grid order, naming the grid, the JSON path and the axis values;
    /// or a run estimated above the memory limit.</exception>
    public static SweepPlan Create(SweepGrid grid, string simbyzVersion, string? device = null, int threads = 0, MemoryBudget? memory = null)
    {
        var plan = new SweepPlan(grid, simbyzVersion, device) { _memory = memory };
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        var data = new SweepDataCache(grid.Composition.Catalogs.DataSources, 2 * options.MaxDegreeOfParallelism + 2, plan.Files);
        var errors = new SimByzException?[plan.TemplateCount];
        int failed = int.MaxValue;
        bool parallelRuns = true;
        Parallel.For(0, plan.TemplateCount, options, (t, loop) =>
        {
            if (t > Volatile.Read(ref failed)) return; // only the first failure in grid order is reported
            try
            {
                var (scenario, cost, parallel) = plan.CheckTemplate(t, data);
                if (t < plan._templates.Length) plan._templates[t] = scenario;
                plan._costs[t] = cost;
                if (!parallel) Volatile.Write(ref parallelRuns, false);
            }
            catch (SimByzException ex)
            {
                errors[t] = ex;
                int seen;
                while (t < (seen = Volatile.Read(ref failed)) && Interlocked.CompareExchange(ref failed, t, seen) != seen) { }
            }
        });
        if (failed != int.MaxValue) throw errors[failed]!;
        plan.SupportsParallelRuns = parallelRuns;

        // Two grid points that resolve to the same run (e.g. attacks "none" and "honest", or a delay equal
        // to the base's written differently) would store into one file: reject them by name. The runs of a
        // template differ in their seed or defence, and run r of two templates differ exactly when their first
        // runs do: comparing each template's first key finds every repeated run, and the first in grid order.
        var firstKeys = new UInt128[plan.TemplateCount];
        Parallel.For(0, plan.TemplateCount, options, t =>
            firstKeys[t] = UInt128.Parse(plan.KeyOf(t * plan._inner), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture));
        var seen = new Dictionary<UInt128, int>(plan.TemplateCount);
        for (int t = 0; t < plan.TemplateCount; t++)
        {
            if (seen.TryGetValue(firstKeys[t], out int earlierTemplate))
            {
                int earlier = earlierTemplate * plan._inner, i = t * plan._inner;
                var a = plan.Point(earlier);
                var b = plan.Point(i);
                throw new SimByzException($"{grid.Source}: runs {earlier} ({a}, defence = {a.Defence}) and {i} " +
                    $"({b}, defence = {b.Defence}) are the same run (same resolved scenario): remove one of the equivalent axis values");
            }
            seen.Add(firstKeys[t], t);
        }
        return plan;
    }

    /// <summary>The run key of a resolved one-defence scenario (see the remarks).</summary>
    public static string Key(Scenario scenario, string simbyzVersion, string? device)
        => KeyOfJson((scenario with { Name = "", Description = "" }).ToJson(), simbyzVersion, device);

    /// <summary>The run key of a scenario given as its <see cref="Scenario.ToJson"/> form with name and description blank.</summary>
    internal static string KeyOfJson(JObject scenario, string simbyzVersion, string? device)
    {
        var keyed = new JObject(
            new JProperty("format", Format),
            new JProperty("simbyzVersion", simbyzVersion),
            new JProperty("device", device),
            new JProperty("scenario", scenario));
        return TraceHash.OfText(keyed.ToString(Formatting.None))[..32];
    }

    /// <summary>The template's scenario: every defence of the defences shorthand, the base's (or the first) seed.</summary>
    private Scenario TemplateScenario(int t)
    {
        if (t < _templates.Length && _templates[t] is { } kept) return kept;
        var (root, _) = TemplateJson(t);
        return ScenarioLoader.Parse(root, "scenario");
    }

    /// <summary>The template's scenario JSON and the coordinates of its first run.</summary>
    private (JObject Json, int[] Coordinates) TemplateJson(int t)
    {
        var c = Coordinates(t * _inner);
        var root = (JObject)Grid.BaseJson.DeepClone();
        var point = Point(t * _inner);
        // Paths first, as `--set` would apply them; the shorthands after (the attack reads the final q).
        for (int a = 0; a < c.Length; a++)
        {
            var axis = Grid.Axes[a];
            for (int f = 0; f < axis.Fields.Count; f++)
            {
                if (axis.Fields[f].Kind == SweepFieldKind.Path) ScenarioLoader.ApplySet(root, axis.Fields[f].Name + "=" + axis.Values[c[a]][f].Json.ToString(Formatting.None));
            }
        }
        var byzantine = Child(root, "byzantine");
        byzantine["count"] = point.Q;
        if (!point.Attack.FromBase)
        {
            byzantine["attack"] = point.Attack.Label == "none" ? (point.Q > 0 ? "honest" : null) : point.Attack.Attack;
            byzantine["dataAttack"] = point.Attack.DataAttack;
        }
        Child(root, "workers")["compute"] = point.Delay;
        root["seed"] = point.Seed;
        root["defences"] = _defenceAxis >= 0 ? new JArray(_defenceValues.Select(v => v.Label)) : new JArray(point.Defence);
        return (root, c);
    }

    private static JObject Child(JObject root, string key)
    {
        if (root[key] is JObject child) return child;
        child = new JObject();
        root[key] = child;
        return child;
    }

    private (Scenario Scenario, long Cost, bool Parallel) CheckTemplate(int t, SweepDataCache data)
    {
        var (root, c) = TemplateJson(t);
        var point = Point(t * _inner);
        string where = point.ToString();
        try
        {
            var scenario = ScenarioLoader.Parse(root, "scenario");
            // Before the data is loaded: a run that cannot fit is refused without loading it.
            if (_memory is { } memory)
            {
                MemoryEstimate.Of(scenario with { Defences = [scenario.Defences[0]] }, Grid.Composition, trace: false)
                    .EnsureWithin(memory.Limit, $"sweep run {t * _inner} ({where}, defence = {point.Defence})", Math.Min(memory.RunsAtOnce, RunCount));
            }
            // The builder checks every defence's and the attack's declared tolerance condition at this
            // template's n, q and protocol, so a condition that fails stops the sweep before any run.
            var setup = ScenarioBuilder.Build(scenario, Grid.Composition, data.Load);
            long cost = Math.Max(1, scenario.Budget.Steps) * scenario.Workers.Count * (long)Math.Max(1, setup.Model.ParameterCount);
            return (scenario, cost, setup.Model.SupportsParallelRuns);
        }
        catch (SimByzException ex) when (ex is not MemoryLimitException)
        {
            throw new SimByzException($"{Grid.Source}: {GridPath(ex, c)} (in the run with {where})", ex);
        }
    }

    /// <summary>The error located in the grid: a scenario path (<see cref="SimByzException.JsonPath"/>) maps to
    /// the axis value it came from when that field is an axis the grid gives, else to the base.</summary>
    private string GridPath(SimByzException ex, int[] c)
    {
        if (ex.JsonPath is not { } path) return "$.base: " + ex.Detail;
        for (int a = 0; a < c.Length; a++)
        {
            var axis = Grid.Axes[a];
            if (!axis.Given) continue;
            for (int f = 0; f < axis.Fields.Count; f++)
            {
                foreach (string prefix in axis.Fields[f].ScenarioPaths)
                {
                    if (path != prefix && !path.StartsWith(prefix + ".", StringComparison.Ordinal) && !path.StartsWith(prefix + "[", StringComparison.Ordinal)) continue;
                    string rest = path[prefix.Length..];
                    if (axis.Fields[f].Kind == SweepFieldKind.Attack) rest = "";
                    if (a == _defenceAxis)
                    {
                        // The template holds every defence: $.defences[k] is value k of the axis.
                        return axis.Path + rest + ": " + ex.Detail;
                    }
                    if (axis.Fields[f].Kind == SweepFieldKind.Defence && rest.StartsWith("[0]", StringComparison.Ordinal)) rest = rest[3..];
                    return axis.ValuePath(c[a], f) + rest + ": " + ex.Detail;
                }
            }
        }
        return $"$.base: {path}: {ex.Detail}";
    }
}

/// <summary>What a sweep may plan to use: <paramref name="Limit"/> for <paramref name="RunsAtOnce"/> runs computed at once
/// (the thread count, or 1 for runs of models that go one at a time).</summary>
public sealed record MemoryBudget(MemoryLimit Limit, int RunsAtOnce);
