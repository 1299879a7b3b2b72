using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Traces;

/// <summary>
/// External timing traces (docs/TRACE_FORMAT.md, External timing traces): a CSV of measured durations
/// recorded on a real cluster, a header line <c>worker,start_s,duration_s[,kind]</c> (after optional
/// <c>#</c> comment lines) then one row per measured interval, with <c>kind</c> <c>compute</c>
/// (default) or <c>network</c>, turned into per-worker <c>trace</c> delay models that drive a run.
/// </summary>
/// <remarks>
/// A scenario file uses it with a top-level <c>"timings": "FILE.csv"</c> (relative to the scenario
/// file) or <c>"timings": { "file": "FILE.csv", "onEnd": "loop" | "error" }</c> (default loop). Each
/// worker's rows of each kind, sorted by <c>start_s</c> (ties keep file order), become a
/// <c>trace:values=…,on-end=…</c> model in <c>workers.overrides</c>, so the resolved scenario (and a
/// trace's header) carries the durations themselves and replays without the CSV. Workers or kinds
/// absent from the CSV keep the scenario's models. Durations are rounded to whole nanoseconds.
/// </remarks>
public static class TimingCsv
{
    /// <summary>One worker's measured durations (nanoseconds) in start order.</summary>
    public sealed record WorkerTimings(int Worker, IReadOnlyList<long> Compute, IReadOnlyList<long> Network);

    /// <summary>A value of the file quoted in an error: whole up to 60 characters, else its start and its length (a line of
    /// 200 000 characters made a 200 KB error message).</summary>
    internal static string Shown(string text)
        => text.Length <= 60 ? $"'{text}'" : $"'{text[..57]}…' ({text.Length.ToString(CultureInfo.InvariantCulture)} characters)";

    /// <summary>Reads and validates a timing CSV; workers in increasing id order.</summary>
    public static IReadOnlyList<WorkerTimings> Read(string path)
    {
        string[] lines = StrictText.Lines(StrictText.ReadFile(path, "timing CSV"));
        int h = 0;
        while (h < lines.Length && (lines[h].Trim().Length == 0 || lines[h].TrimStart().StartsWith('#'))) h++;
        if (h == lines.Length) throw new SimByzException($"timing CSV '{path}' line {h + 1}: no header, expected worker,start_s,duration_s[,kind]");
        string header = lines[h].Trim().Replace(" ", "", StringComparison.Ordinal);
        if (header != "worker,start_s,duration_s" && header != "worker,start_s,duration_s,kind")
        {
            throw new SimByzException($"timing CSV '{path}' line {h + 1}: header {Shown(lines[h])}, expected worker,start_s,duration_s[,kind]");
        }
        var rows = new List<(int Worker, bool Network, double Start, long Duration, int Line)>();
        for (int i = h + 1; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            string[] f = line.Split(',');
            string where = $"timing CSV '{path}' line {i + 1}";
            if (f.Length < 3 || f.Length > 4) throw new SimByzException($"{where}: expected 3 or 4 fields (worker,start_s,duration_s[,kind]), found {f.Length}");
            if (!int.TryParse(f[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int worker)) throw new SimByzException($"{where}: worker {Shown(f[0])} is not a non-negative integer");
            if (!double.TryParse(f[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double start) || !double.IsFinite(start) || start < 0)
            {
                throw new SimByzException($"{where}: start_s {Shown(f[1])} is not a finite number of seconds ≥ 0");
            }
            if (!double.TryParse(f[2].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !double.IsFinite(seconds) || seconds < 0 || seconds > 1e6)
            {
                throw new SimByzException($"{where}: duration_s {Shown(f[2])} is not a number of seconds in [0, 1e6]");
            }
            string kind = f.Length == 4 ? f[3].Trim() : "compute";
            if (kind is not ("compute" or "network")) throw new SimByzException($"{where}: kind {Shown(kind)}, expected compute or network");
            rows.Add((worker, kind == "network", start, (long)Math.Round(seconds * 1e9, MidpointRounding.AwayFromZero), i + 1));
        }
        if (rows.Count == 0) throw new SimByzException($"timing CSV '{path}': no rows after the header");
        var ordered = rows.OrderBy(r => r.Worker).ThenBy(r => r.Network).ThenBy(r => r.Start).ThenBy(r => r.Line).ToList();
        var result = new List<WorkerTimings>();
        foreach (var g in ordered.GroupBy(r => r.Worker))
        {
            result.Add(new WorkerTimings(g.Key, g.Where(r => !r.Network).Select(r => r.Duration).ToList(), g.Where(r => r.Network).Select(r => r.Duration).ToList()));
        }
        return result;
    }

    /// <summary>The <c>trace</c> delay spec replaying <paramref name="durationsNs"/>.</summary>
    public static string TraceSpec(IReadOnlyList<long> durationsNs, string onEnd)
    {
        var sb = new StringBuilder("trace:values=");
        for (int i = 0; i < durationsNs.Count; i++)
        {
            if (i > 0) sb.Append(';');
            sb.Append(durationsNs[i].ToString(CultureInfo.InvariantCulture)).Append("ns");
        }
        return sb.Append(",on-end=").Append(onEnd).ToString();
    }

    /// <summary>
    /// If <paramref name="root"/> (a scenario object) has a <c>timings</c> field, removes it and appends
    /// the per-worker trace overrides read from the CSV (relative to <paramref name="baseDirectory"/>).
    /// </summary>
    public static void Expand(JObject root, string baseDirectory, string source)
    {
        if (root["timings"] is not { } token) return;
        root.Remove("timings");
        string? file;
        string onEnd = "loop";
        if (token.Type == JTokenType.String)
        {
            file = token.Value<string>();
        }
        else if (token is JObject obj)
        {
            foreach (string key in new[] { "file", "onEnd" })
            {
                if (obj[key] is { Type: not (JTokenType.String or JTokenType.Null) } bad)
                {
                    throw new SimByzException($"{source}: $.timings.{key}: expected a string, got {Scenarios.JsonFields.Describe(bad)}");
                }
            }
            file = obj.Value<string>("file");
            onEnd = obj.Value<string>("onEnd") ?? "loop";
            foreach (var p in obj.Properties())
            {
                if (p.Name is not ("file" or "onEnd")) throw new SimByzException($"{source}: $.timings.{p.Name}: unknown field (allowed here: file, onEnd)");
            }
        }
        else
        {
            throw new SimByzException($"{source}: $.timings: expected a CSV file name or {{\"file\": …, \"onEnd\": …}}");
        }
        if (string.IsNullOrWhiteSpace(file)) throw new SimByzException($"{source}: $.timings.file: missing CSV file name");
        if (onEnd is not ("loop" or "error")) throw new SimByzException($"{source}: $.timings.onEnd: '{onEnd}', expected loop or error");
        var timings = Read(Path.Combine(baseDirectory, file));
        if (root["workers"] is not JObject workers) throw new SimByzException($"{source}: $.workers: needed with timings");
        if (workers["overrides"] is not JArray overrides)
        {
            overrides = [];
            workers["overrides"] = overrides;
        }
        foreach (var t in timings)
        {
            overrides.Add(new JObject(
                new JProperty("workers", new JArray(t.Worker)),
                new JProperty("compute", t.Compute.Count > 0 ? TraceSpec(t.Compute, onEnd) : null),
                new JProperty("network", t.Network.Count > 0 ? TraceSpec(t.Network, onEnd) : null)));
        }
    }

    /// <summary>
    /// <see cref="ScenarioLoader.Load"/> that also understands a scenario file's <c>timings</c> field
    /// (expanded before the <c>--set</c> overrides and the seed are applied).
    /// </summary>
    public static Scenario LoadScenario(string? nameOrFile, IEnumerable<string>? sets = null, ulong? seed = null)
    {
        if (nameOrFile is null || !ScenarioLoader.IsFile(nameOrFile)) return ScenarioLoader.Load(nameOrFile, sets, seed);
        JObject root = ScenarioLoader.ReadFile(nameOrFile);
        if (root["timings"] is null) return ScenarioLoader.Load(nameOrFile, sets, seed);
        TimingCsv.Expand(root, Path.GetDirectoryName(Path.GetFullPath(nameOrFile))!, nameOrFile);
        foreach (string set in sets ?? []) ScenarioLoader.ApplySet(root, set);
        if (seed is not null) root["seed"] = seed.Value;
        return ScenarioLoader.Parse(root, nameOrFile, Path.GetDirectoryName(Path.GetFullPath(nameOrFile)));
    }
}
