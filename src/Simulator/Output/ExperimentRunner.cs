using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Output;

/// <summary>
/// Runs every defence of a scenario from the same <see cref="RunSetup"/> (same seed, so identical
/// data, timing and honest draws), optionally in parallel, and writes <c>metrics.csv</c> and
/// <c>summary.json</c> atomically.
/// </summary>
/// <remarks>Results are collected in the scenario's defence order whatever the thread count, and each
/// run is sequential and deterministic, so the files are byte-identical for any
/// thread count.</remarks>
public static class ExperimentRunner
{
    /// <summary>Runs all defences. <paramref name="progress"/> receives each defence's steps and simulated time after
    /// every step, and a last report with <see cref="DefenceProgress.Done"/> when it ends.
    /// <paramref name="keptRows"/>: how many evaluation points each result keeps (see <see cref="TrainingRun"/>'s constructor; all by default).</summary>
    public static IReadOnlyList<RunResult> RunAll(Scenario scenario, RunSetup setup, int maxThreads = 1,
        Action<DefenceProgress>? progress = null, Func<int, IReadOnlyList<ISimulationObserver>>? observers = null,
        CancellationToken cancellation = default, int keptRows = int.MaxValue)
    {
        var results = new RunResult[scenario.Defences.Count];
        // Build every run first so that bad defence specs fail before any work starts.
        var runs = scenario.Defences.Select((d, i) => new TrainingRun(setup, d, observers?.Invoke(i), keptRows)).ToArray();
        // Models sharing process-wide state (torch) run one defence at a time.
        int threads = setup.Model.SupportsParallelRuns ? Math.Max(1, maxThreads) : 1;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellation };
        var errors = new Exception?[runs.Length];
        try
        {
            Parallel.For(0, runs.Length, options, i =>
            {
                try
                {
                    var run = runs[i];
                    results[i] = run.Run(progress is null ? null : steps => progress(new DefenceProgress(i, steps, run.Now)), cancellation);
                    progress?.Invoke(new DefenceProgress(i, run.Steps, run.Now, Done: true));
                }
                catch (SimByzException ex)
                {
                    errors[i] = new SimByzException($"defence '{scenario.Defences[i]}' at step {runs[i].Steps}: {ex.Message}{DelayModelsOf(ex, scenario)}", ex);
                }
                catch (OperationCanceledException ex)
                {
                    errors[i] = ex;
                }
            });
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        // Report the user error of the lowest-numbered defence that failed, whatever the thread timing.
        if (errors.FirstOrDefault(e => e is not null) is { } first) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        return results;
    }

    /// <summary>For a simulated-time overflow or a stalled clock, the delay models that drew the times (the scenario is what to change).</summary>
    private static string DelayModelsOf(SimByzException error, Scenario scenario)
    {
        static string Short(string spec) => spec.Length <= 80 ? spec : spec[..77] + "...";
        if (error is DelayOverflowException overflow)
        {
            var (field, spec) = DelayField(scenario, overflow.Worker, overflow.Delay);
            return $"; worker {overflow.Worker}'s {overflow.Delay} delay comes from {field} '{Short(spec)}': " +
                "its samples are too long for this many steps (bound the tail, e.g. a larger Pareto alpha, or take fewer steps)";
        }
        if (error is not (Scheduler.SimTimeOverflowException or ClockStalledException)) return "";
        var models = new List<string> { $"workers.compute '{Short(scenario.Workers.Compute)}'", $"workers.network '{Short(scenario.Workers.Network)}'" };
        for (int k = 0; k < scenario.Workers.Overrides.Count; k++)
        {
            var o = scenario.Workers.Overrides[k];
            if (o.Compute is not null) models.Add($"workers.overrides[{k}].compute '{Short(o.Compute)}'");
            if (o.Network is not null) models.Add($"workers.overrides[{k}].network '{Short(o.Network)}'");
        }
        return error is ClockStalledException
            ? $"; the delays come from {string.Join(", ", models)}"
            : $"; the delays come from {string.Join(", ", models)}: their samples are too long for this many steps (bound the tail, e.g. a larger Pareto alpha, or take fewer steps)";
    }

    /// <summary>The scenario field (and its spec) that sets worker <paramref name="worker"/>'s <paramref name="delay"/> model: the last override naming it, else the default.</summary>
    private static (string Field, string Spec) DelayField(Scenario scenario, int worker, string delay)
    {
        for (int k = scenario.Workers.Overrides.Count - 1; k >= 0; k--)
        {
            var o = scenario.Workers.Overrides[k];
            if (!o.Workers.Contains(worker)) continue;
            if (delay == "compute" && o.Compute is not null) return ($"workers.overrides[{k}].compute", o.Compute);
            if (delay == "network" && o.Network is not null) return ($"workers.overrides[{k}].network", o.Network);
        }
        return delay == "compute" ? ("workers.compute", scenario.Workers.Compute) : ("workers.network", scenario.Workers.Network);
    }

    /// <summary>The metrics.csv text: header, then every evaluation point of every defence, in defence order.</summary>
    public static string MetricsCsv(IEnumerable<RunResult> results)
    {
        var sb = new System.Text.StringBuilder();
        var all = results.ToList();
        sb.Append(MetricsRow.CsvHeaderFor(all.Any(r => r.Rows.Any(row => row.Federated)))).Append('\n');
        foreach (var r in all)
        {
            foreach (var row in r.Rows) sb.Append(row.ToCsv()).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The summary.json object: version, the resolved scenario, and each defence's final metrics.</summary>
    /// <remarks>With <paramref name="plugins"/>, a <c>"plugins"</c> array records each one's identity and components; with
    /// <paramref name="provenance"/>, a <c>"provenance"</c> object (command line, overrides, version, commit), a
    /// <c>"warnings"</c> array and a <c>"setting"</c> line generated from the resolved scenario.</remarks>
    public static JObject Summary(Scenario scenario, IEnumerable<RunResult> results, string simbyzVersion, IReadOnlyList<Composition.PluginInfo>? plugins = null,
        RunProvenance? provenance = null)
    {
        var defences = new JArray();
        foreach (var r in results)
        {
            var f = r.Final;
            defences.Add(new JObject(
                new JProperty("defence", r.Defence),
                new JProperty("steps", r.Steps),
                new JProperty("endTimeNs", r.EndTime.Nanoseconds),
                new JProperty("events", r.Events),
                new JProperty("messages", r.Messages),
                new JProperty("stopReason", r.StopReason),
                new JProperty("final", AddCounts(new JObject(
                    new JProperty("trainLoss", NumberText.Json(f.TrainLoss)),
                    new JProperty("validationLoss", NumberText.Json(f.ValidationLoss)),
                    new JProperty("validationAccuracy", NumberText.Json(f.ValidationAccuracy)),
                    new JProperty("testLoss", NumberText.Json(f.TestLoss)),
                    new JProperty("testAccuracy", NumberText.Json(f.TestAccuracy))), f.Counts))));
        }
        var summary = new JObject(new JProperty("simbyzVersion", simbyzVersion));
        if (provenance is not null)
        {
            summary.Add(new JProperty("provenance", provenance.ToJson()));
            summary.Add(new JProperty("setting", ScenarioText.Describe(scenario)));
            summary.Add(new JProperty("warnings", new JArray(provenance.Warnings)));
        }
        summary.Add(new JProperty("scenario", scenario.ToJson()));
        summary.Add(new JProperty("defences", defences));
        if (plugins is { Count: > 0 }) summary.Add(new JProperty("plugins", new JArray(plugins.Select(p => p.ToJson()))));
        return summary;
    }

    /// <summary>Appends the message counters to <paramref name="o"/>, in <see cref="MessageCounts.Fields"/> order; returns it.</summary>
    internal static JObject AddCounts(JObject o, MessageCounts counts)
    {
        foreach (var (name, value) in counts.Fields()) o.Add(name, value);
        return o;
    }

    /// <summary>Writes summary.json into <paramref name="output"/> (committed by the caller).</summary>
    public static void WriteSummary(AtomicOutput output, Scenario scenario, IReadOnlyList<RunResult> results, string simbyzVersion, IReadOnlyList<Composition.PluginInfo>? plugins = null,
        RunProvenance? provenance = null)
        => output.WriteAllText("summary.json", Summary(scenario, results, simbyzVersion, plugins, provenance).ToString(Formatting.Indented) + "\n");

    /// <summary>Writes metrics.csv (the header, then each defence's lines as a <see cref="MetricsCsvWriter"/> wrote them to the
    /// working file <paramref name="parts"/>[i], deleted once copied) into <paramref name="output"/>.</summary>
    internal static void WriteMetricsFromParts(AtomicOutput output, IReadOnlyList<string> parts, bool federated = false)
    {
        using var w = output.CreateText("metrics.csv");
        w.Write(MetricsRow.CsvHeaderFor(federated));
        w.Write('\n');
        foreach (string part in parts)
        {
            using (var r = output.OpenText(part))
            {
                while (r.ReadLine() is { } l)
                {
                    w.Write(l);
                    w.Write('\n');
                }
            }
            output.Delete(part);
        }
    }

    /// <summary>Writes metrics.csv and summary.json into <paramref name="output"/> (committed by the caller).</summary>
    public static void Write(AtomicOutput output, Scenario scenario, IReadOnlyList<RunResult> results, string simbyzVersion, IReadOnlyList<Composition.PluginInfo>? plugins = null,
        RunProvenance? provenance = null)
    {
        output.WriteAllText("metrics.csv", MetricsCsv(results));
        output.WriteAllText("summary.json", Summary(scenario, results, simbyzVersion, plugins, provenance).ToString(Formatting.Indented) + "\n");
    }

}
