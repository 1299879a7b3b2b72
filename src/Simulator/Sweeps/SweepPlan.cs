using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// The runs of a grid, resolved and checked: the cartesian product of its axes in grid order, each
/// run's resolved scenario and run key, and one <see cref="RunSetup"/> per cell (q, delay, attack,
/// seed) shared by that cell's defences.
/// </summary>
/// <remarks>
/// <para><b>Grid order</b> (results.csv, summary, run indices): q, then delay, then attack, then
/// defence, then seed (innermost); each axis in the order the grid lists it.</para>
/// <para><b>Validation.</b> <see cref="Create"/> builds every cell's setup (task, delay models, attack,
/// every defence at that q) before anything runs, so one bad combination fails the sweep at once with
/// the grid path and the axis values. Data sources are loaded once per (data spec, seed) and shared
/// (datasets are immutable).</para>
/// <para><b>Run key</b>: the first 32 hex digits of SHA-256 of the compact JSON
/// <c>{"format":"simbyz-sweep-run/1","simbyzVersion":V,"device":D,"scenario":S}</c>, where S is the
/// run's fully resolved scenario (<see cref="Scenario.ToJson"/>, its one defence in <c>defences</c>) with
/// name and description blanked (they do not change results), V the SimByz version and D the torch
/// device kind (cpu or cuda) for TorchSharp models, null for managed ones. Same key ⇒ same result for
/// one build of SimByz. Limit: V is the release version without the commit, so a code change between
/// two commits of one version does not change the key (delete DIR/runs after upgrading SimByz; see
/// docs/SWEEPS.md). Two grid points with the same key are rejected at planning.</para>
/// </remarks>
public sealed class SweepPlan
{
    /// <summary>Format tag of a run key and of a stored run.</summary>
    public const string Format = "simbyz-sweep-run/1";

    private readonly RunSetup[] _setups;

    private SweepPlan(SweepGrid grid, IReadOnlyList<SweepRun> runs, IReadOnlyList<SweepCell> cells, RunSetup[] setups, string version, string? device)
    {
        Grid = grid;
        Runs = runs;
        Cells = cells;
        _setups = setups;
        SimByzVersion = version;
        Device = device;
    }

    public SweepGrid Grid { get; }

    /// <summary>Every run, in grid order (<see cref="SweepRun.Index"/> = position).</summary>
    public IReadOnlyList<SweepRun> Runs { get; }

    /// <summary>Every cell (q, delay, attack, seed), in grid order of their first run.</summary>
    public IReadOnlyList<SweepCell> Cells { get; }

    public string SimByzVersion { get; }

    /// <summary>The torch device kind keyed into torch runs, or null.</summary>
    public string? Device { get; }

    /// <summary>The setup shared by the defences of <paramref name="cell"/>.</summary>
    public RunSetup SetupOf(SweepCell cell) => _setups[cell.Index];

    /// <summary>
    /// Expands <paramref name="grid"/> and checks every combination (each spec resolves at each q, the
    /// task builds, …) before anything runs.
    /// </summary>
    /// <param name="grid">The grid.</param>
    /// <param name="simbyzVersion">The SimByz version (part of each run key).</param>
    /// <param name="device">Torch device kind (cpu, cuda) when the model is a TorchSharp one, else null.</param>
    /// <exception cref="SimByzException">The first bad combination in grid order, naming the grid, the JSON path and the axis values.</exception>
    public static SweepPlan Create(SweepGrid grid, string simbyzVersion, string? device = null)
    {
        var cache = new Dictionary<(string, ulong), LoadedData>();
        LoadedData Load(string spec, ulong seed)
        {
            if (!cache.TryGetValue((spec, seed), out var data))
            {
                data = DataSourceCatalog.Load(spec, seed, grid.Composition.Catalogs.DataSources);
                cache[(spec, seed)] = data;
            }
            return data;
        }

        var cellIndex = new Dictionary<(int Q, int Delay, int Attack, int Seed), int>();
        var cells = new List<SweepCell>();
        var setups = new List<RunSetup>();
        var runs = new List<SweepRun>();
        for (int qi = 0; qi < grid.Q.Count; qi++)
        {
            for (int di = 0; di < grid.Delays.Count; di++)
            {
                for (int ai = 0; ai < grid.Attacks.Count; ai++)
                {
                    for (int fi = 0; fi < grid.Defences.Count; fi++)
                    {
                        for (int si = 0; si < grid.Seeds.Count; si++)
                        {
                            if (!cellIndex.TryGetValue((qi, di, ai, si), out int c))
                            {
                                c = cells.Count;
                                cellIndex[(qi, di, ai, si)] = c;
                                var (cell, setup) = BuildCell(grid, c, qi, di, ai, si, Load);
                                cells.Add(cell);
                                setups.Add(setup);
                            }
                            var scenario = cells[c].Scenario with { Defences = [grid.Defences[fi]] };
                            runs.Add(new SweepRun(runs.Count, cells[c], fi, grid.Defences[fi], scenario, Key(scenario, simbyzVersion, device)));
                        }
                    }
                }
            }
        }
        // Two grid points that resolve to the same run (e.g. attacks "none" and "honest", or a delay equal
        // to the base's written differently) would store into one file: reject them by name.
        var seen = new Dictionary<string, SweepRun>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (seen.TryGetValue(run.Key, out var earlier))
            {
                throw new SimByzException($"{grid.Source}: runs {earlier.Index} ({earlier.Cell}, defence = {earlier.Defence}) and {run.Index} " +
                    $"({run.Cell}, defence = {run.Defence}) are the same run (same resolved scenario): remove one of the equivalent axis values");
            }
            seen.Add(run.Key, run);
        }
        return new SweepPlan(grid, runs, cells, setups.ToArray(), simbyzVersion, device);
    }

    /// <summary>The run key of a resolved one-defence scenario (see the remarks).</summary>
    public static string Key(Scenario scenario, string simbyzVersion, string? device)
    {
        var keyed = new JObject(
            new JProperty("format", Format),
            new JProperty("simbyzVersion", simbyzVersion),
            new JProperty("device", device),
            new JProperty("scenario", (scenario with { Name = "", Description = "" }).ToJson()));
        return TraceHash.OfText(keyed.ToString(Formatting.None))[..32];
    }

    private static (SweepCell, RunSetup) BuildCell(SweepGrid grid, int index, int qi, int di, int ai, int si, Func<string, ulong, LoadedData> load)
    {
        var root = (JObject)grid.BaseJson.DeepClone();
        int q = grid.Q[qi];
        var attack = grid.Attacks[ai];
        if (root["byzantine"] is not JObject byzantine)
        {
            byzantine = new JObject();
            root["byzantine"] = byzantine;
        }
        byzantine["count"] = q;
        if (!attack.FromBase)
        {
            byzantine["attack"] = attack.Label == "none" ? (q > 0 ? "honest" : null) : attack.Attack;
            byzantine["dataAttack"] = attack.DataAttack;
        }
        if (root["workers"] is not JObject workers)
        {
            workers = new JObject();
            root["workers"] = workers;
        }
        workers["compute"] = grid.Delays[di];
        root["seed"] = grid.Seeds[si];
        root["defences"] = new JArray(grid.Defences.Values);

        string where = $"q = {q}, delay = {grid.Delays[di]}, attack = {attack.Label}, seed = {grid.Seeds[si]}";
        Scenario scenario;
        RunSetup setup;
        try
        {
            scenario = ScenarioLoader.Parse(root, "scenario");
            // The builder checks every defence's and the attack's declared tolerance condition at this
            // cell's n, q and protocol, so a condition that fails stops the sweep before any run.
            setup = ScenarioBuilder.Build(scenario, grid.Composition, load);
        }
        catch (SimByzException ex)
        {
            throw new SimByzException($"{grid.Source}: {GridPath(ex, grid, qi, di, ai, si)} (in the run with {where})", ex);
        }
        return (new SweepCell(index, qi, di, ai, si, q, grid.Delays[di], attack, grid.Seeds[si], scenario), setup);
    }

    /// <summary>The error located in the grid: a scenario path (<see cref="SimByzException.JsonPath"/>) maps to
    /// the axis value it came from when that field is an axis, else to the base.</summary>
    private static string GridPath(SimByzException ex, SweepGrid grid, int qi, int di, int ai, int si)
    {
        if (ex.JsonPath is not { } path) return "$.base: " + ex.Detail;
        string detail = ex.Detail;
        if (path.StartsWith("$.defences[", StringComparison.Ordinal) && grid.Defences.Given)
        {
            return "$.axes.defences[" + path["$.defences[".Length..] + ": " + detail;
        }
        if (path.StartsWith("$.workers.compute", StringComparison.Ordinal) && grid.Delays.Given)
        {
            return $"$.axes.delays[{di}]{path["$.workers.compute".Length..]}: {detail}";
        }
        if ((path.StartsWith("$.byzantine.attack", StringComparison.Ordinal) || path.StartsWith("$.byzantine.dataAttack", StringComparison.Ordinal)) && grid.Attacks.Given)
        {
            return $"$.axes.attacks[{ai}]: {detail}";
        }
        if (path.StartsWith("$.byzantine.count", StringComparison.Ordinal) && grid.Q.Given)
        {
            return $"$.axes.q[{qi}]{path["$.byzantine.count".Length..]}: {detail}";
        }
        if (path.StartsWith("$.seed", StringComparison.Ordinal) && grid.Seeds.Given)
        {
            return $"$.axes.seeds[{si}]{path["$.seed".Length..]}: {detail}";
        }
        return $"$.base: {path}: {detail}";
    }
}

/// <summary>A combination of the non-defence axes: the defences of a cell share one <see cref="RunSetup"/>.</summary>
/// <param name="Index">Position in <see cref="SweepPlan.Cells"/>.</param>
/// <param name="QIndex">Index on the q axis.</param>
/// <param name="DelayIndex">Index on the delays axis.</param>
/// <param name="AttackIndex">Index on the attacks axis.</param>
/// <param name="SeedIndex">Index on the seeds axis.</param>
/// <param name="Q">Byzantine workers.</param>
/// <param name="Delay">The compute-latency model spec.</param>
/// <param name="Attack">The attack.</param>
/// <param name="Seed">The root seed.</param>
/// <param name="Scenario">The resolved scenario with every defence of the grid.</param>
public sealed record SweepCell(int Index, int QIndex, int DelayIndex, int AttackIndex, int SeedIndex, int Q, string Delay, SweepAttack Attack, ulong Seed, Scenario Scenario)
{
    /// <summary>The axis values as one line, for messages.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"q = {Q}, delay = {Delay}, attack = {Attack.Label}, seed = {Seed}");
}

/// <summary>One run of a sweep: one defence in one cell.</summary>
/// <param name="Index">Position in grid order.</param>
/// <param name="Cell">Its cell (the other axis values).</param>
/// <param name="DefenceIndex">Index on the defences axis.</param>
/// <param name="Defence">The defence spec.</param>
/// <param name="Scenario">The fully resolved scenario of this run (this defence only).</param>
/// <param name="Key">The run key (<see cref="SweepPlan"/>, remarks): the stored run's file name.</param>
public sealed record SweepRun(int Index, SweepCell Cell, int DefenceIndex, string Defence, Scenario Scenario, string Key);
