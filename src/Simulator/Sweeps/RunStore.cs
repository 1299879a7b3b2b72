using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Traces;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// The finished runs of a sweep, one file per run: <c>DIR/runs/KEY.json</c>, written atomically
/// (temporary sibling, then rename), so a file is either complete or absent.
/// </summary>
/// <remarks>
/// <para>A stored run is <c>{"format", "key", "sha256", "run": {...}}</c>: <c>run</c> holds the SimByz
/// version, the device, the defence, the axis values, the resolved scenario and the result (steps,
/// simulated end time, events, messages, stop reason and every evaluation point); <c>sha256</c> is the
/// SHA-256 of <c>run</c> as compact JSON. Non-finite numbers are written as strings ("NaN").</para>
/// <para>A stored run is trusted only if it parses, has this format, carries the expected key, its
/// checksum matches, and its scenario hashes to that key again; anything else (a file from another
/// version or grid, a hand-edited or damaged file) is reported and recomputed.</para>
/// <para>Distinct keys are distinct files, and each save goes through a temporary file of its own: runs may
/// be saved from several threads, and from several processes sharing the folder, at once.</para>
/// </remarks>
public sealed class RunStore
{
    public RunStore(string directory) => Directory = directory;

    /// <summary>The folder of the stored runs (DIR/runs).</summary>
    public string Directory { get; }

    /// <summary>The file of run key <paramref name="key"/>.</summary>
    public string PathOf(string key) => Path.Combine(Directory, key + ".json");

    /// <summary>Loads the stored result of the run keyed <paramref name="key"/>.</summary>
    /// <param name="key">The run key.</param>
    /// <param name="defence">The run's defence (the result's rows carry it).</param>
    /// <returns><see cref="StoredRun.Missing"/>, <see cref="StoredRun.Valid"/> with the result, or
    /// <see cref="StoredRun.Invalid"/> with the reason it is not trusted.</returns>
    public StoredRun TryLoad(string key, string defence)
    {
        string path = PathOf(key);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return StoredRun.Missing;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return StoredRun.Invalid("unreadable: " + ex.Message.Split('\n')[0]);
        }
        try
        {
            using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Double };
            var root = JToken.ReadFrom(reader) as JObject ?? throw new FormatException("not a JSON object");
            if ((string?)root["format"] != SweepPlan.Format) return StoredRun.Invalid($"format is not {SweepPlan.Format}");
            if ((string?)root["key"] != key) return StoredRun.Invalid("stored under another key");
            var body = root["run"] as JObject ?? throw new FormatException("no run object");
            if ((string?)root["sha256"] != TraceHash.OfText(body.ToString(Formatting.None))) return StoredRun.Invalid("checksum mismatch");
            // The stored scenario is the run's Scenario.ToJson(): hashing it again with name and description
            // blanked gives its key without parsing it (which would cost more than the rest of the check).
            // Blanked in place: the checksum is verified above, and body is not used for anything else.
            var scenario = body["scenario"] as JObject ?? throw new FormatException("no scenario");
            if (scenario.Property("name", StringComparison.Ordinal) is null || scenario.Property("description", StringComparison.Ordinal) is null)
            {
                return StoredRun.Invalid("its scenario has no name or description field");
            }
            scenario["name"] = "";
            scenario["description"] = "";
            if (SweepPlan.KeyOfJson(scenario, (string?)body["simbyzVersion"] ?? "", (string?)body["device"]) != key)
            {
                return StoredRun.Invalid("its scenario does not hash to its key");
            }
            return StoredRun.Valid(ReadResult(body["result"] as JObject ?? throw new FormatException("no result"), defence));
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidCastException or SimByzException or ArgumentException or OverflowException)
        {
            return StoredRun.Invalid("unreadable: " + ex.Message.Split('\n')[0]);
        }
    }

    /// <summary>Loads the stored result of <paramref name="run"/>.</summary>
    public StoredRun TryLoad(SweepRun run) => TryLoad(run.Key, run.Defence);

    /// <summary>
    /// Stores <paramref name="result"/> of <paramref name="run"/> atomically: written to a temporary file
    /// unique to this process and renamed onto KEY.json, so concurrent writers (threads, or processes on
    /// other machines sharing the folder) never see each other's partial files; two writers of one key
    /// write the same bytes, and the last rename wins.
    /// </summary>
    public void Save(SweepRun run, SweepPlan plan, RunResult result)
    {
        var point = run.Point;
        var axes = new JObject(
            new JProperty("q", point.Q),
            new JProperty("delay", point.Delay),
            new JProperty("attack", point.Attack.Label),
            new JProperty("seed", point.Seed));
        for (int i = 0; i < point.Fields.Count; i++) axes.Add(new JProperty(point.FieldNames[i], point.Fields[i]));
        var body = new JObject(
            new JProperty("simbyzVersion", plan.SimByzVersion),
            new JProperty("device", plan.Device),
            new JProperty("defence", run.Defence),
            new JProperty("axes", axes),
            new JProperty("scenario", run.Scenario.ToJson()),
            new JProperty("result", WriteResult(result)));
        var root = new JObject(
            new JProperty("format", SweepPlan.Format),
            new JProperty("key", run.Key),
            new JProperty("sha256", TraceHash.OfText(body.ToString(Formatting.None))),
            new JProperty("run", body));
        System.IO.Directory.CreateDirectory(Directory);
        string final = PathOf(run.Key);
        string temp = Path.Combine(Directory, $".{run.Key}.{TempSuffix}.partial");
        try
        {
            File.WriteAllText(temp, root.ToString(Formatting.Indented) + "\n");
            File.Move(temp, final, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Removes the temporary files (<c>.KEY.HOST-PID-N.partial</c>) that writers on this machine left when they were killed
    /// (SIGKILL, a power cut) between writing and renaming: those whose process is no longer running. Files of other
    /// machines sharing the store, and of live processes, are left alone. Returns how many were removed.
    /// </summary>
    public int RemoveStaleTemporaries()
    {
        if (!System.IO.Directory.Exists(Directory)) return 0;
        int removed = 0;
        string host = Environment.MachineName;
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, ".*.partial"))
        {
            string name = Path.GetFileName(path);
            // .KEY.HOST-PID-N.partial, KEY being 32 hex digits.
            const int keyEnd = 1 + 32;
            if (name.Length <= keyEnd + 1 || name[keyEnd] != '.') continue;
            string rest = name[(keyEnd + 1)..^".partial".Length];
            int counter = rest.LastIndexOf('-');
            int pidStart = counter > 0 ? rest.LastIndexOf('-', counter - 1) : -1;
            if (pidStart < 0 || rest[..pidStart] != host) continue;
            if (!int.TryParse(rest.AsSpan(pidStart + 1, counter - pidStart - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (pid == Environment.ProcessId || IsRunning(pid)) continue;
            try
            {
                File.Delete(path);
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another cleaner got there first, or the folder is read-only: nothing to report.
            }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Unique to this process among the machines sharing a store: host name, process id, and a counter.</summary>
    private string TempSuffix => $"{Environment.MachineName}-{Environment.ProcessId}-{Interlocked.Increment(ref _saves)}";

    private long _saves;

    /// <summary>The result as stored; <see cref="ReadResult"/> gives back an equal one, bit for bit.</summary>
    internal static JObject WriteResult(RunResult r) => new(
        new JProperty("steps", r.Steps),
        new JProperty("endTimeNs", r.EndTime.Nanoseconds),
        new JProperty("events", r.Events),
        new JProperty("messages", r.Messages),
        new JProperty("stopReason", r.StopReason),
        new JProperty("rows", new JArray(r.Rows.Select(WriteRow))));

    internal static RunResult ReadResult(JObject o, string defence)
    {
        var rows = (o["rows"] as JArray ?? throw new FormatException("no rows")).Select(t => ReadRow(t as JObject ?? throw new FormatException("a row is not an object"), defence)).ToList();
        if (rows.Count == 0) throw new FormatException("no evaluation point");
        long steps = Long(o, "steps");
        if (rows[^1].Step != steps) throw new FormatException($"the last evaluation point is at step {rows[^1].Step}, not {steps}");
        return new RunResult(defence, rows, steps, SimTime.FromNanoseconds(Long(o, "endTimeNs")), Long(o, "events"), Long(o, "messages"),
            (string?)o["stopReason"] ?? throw new FormatException("no stopReason"));
    }

    private static JObject WriteRow(MetricsRow m)
    {
        var row = ExperimentRunner.AddCounts(new JObject(
            new JProperty("timeNs", m.TimeNs),
            new JProperty("step", m.Step),
            new JProperty("learningRate", NumberText.Json(m.LearningRate)),
            new JProperty("trainLoss", NumberText.Json(m.TrainLoss)),
            new JProperty("validationLoss", NumberText.Json(m.ValidationLoss)),
            new JProperty("validationAccuracy", NumberText.Json(m.ValidationAccuracy)),
            new JProperty("testLoss", NumberText.Json(m.TestLoss)),
            new JProperty("testAccuracy", NumberText.Json(m.TestAccuracy))), m.Counts);
        row.Add(new JProperty("stalenessMin", NumberText.Json(m.StalenessMin)));
        row.Add(new JProperty("stalenessMean", NumberText.Json(m.StalenessMean)));
        row.Add(new JProperty("stalenessMax", NumberText.Json(m.StalenessMax)));
        return row;
    }

    private static MetricsRow ReadRow(JObject o, string defence) => new()
    {
        Defence = defence,
        TimeNs = Long(o, "timeNs"),
        Step = Long(o, "step"),
        LearningRate = Double(o, "learningRate"),
        TrainLoss = Double(o, "trainLoss"),
        ValidationLoss = Double(o, "validationLoss"),
        ValidationAccuracy = Double(o, "validationAccuracy"),
        TestLoss = Double(o, "testLoss"),
        TestAccuracy = Double(o, "testAccuracy"),
        Counts = MessageCounts.Read(key => Long(o, key)),
        StalenessMin = Double(o, "stalenessMin"),
        StalenessMean = Double(o, "stalenessMean"),
        StalenessMax = Double(o, "stalenessMax"),
    };


    private static long Long(JObject o, string key)
    {
        var t = o[key] ?? throw new FormatException($"no {key}");
        if (t.Type != JTokenType.Integer) throw new FormatException($"{key} is not an integer");
        return (long)t;
    }

    private static double Double(JObject o, string key)
    {
        var t = o[key] ?? throw new FormatException($"no {key}");
        return t.Type switch
        {
            JTokenType.Float or JTokenType.Integer => (double)t,
            JTokenType.String => double.Parse((string)t!, NumberStyles.Float, CultureInfo.InvariantCulture) is var v && !double.IsFinite(v) ? v
                : throw new FormatException($"{key}: a finite number written as a string"),
            _ => throw new FormatException($"{key} is not a number"),
        };
    }
}
