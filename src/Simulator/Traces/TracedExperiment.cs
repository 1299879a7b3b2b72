using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Traces;

/// <summary>Runs every defence of a scenario (<see cref="ExperimentRunner"/>) while recording its trace.</summary>
public static class TracedExperiment
{
    /// <summary>Runs the scenario; the trace is null when <paramref name="trace"/> is false.</summary>
    public static (IReadOnlyList<RunResult> Results, TraceContent? Trace) Run(Scenario scenario, RunSetup setup, string simbyzVersion,
        bool trace = true, bool recordPayloads = false, int maxThreads = 1, Action<DefenceProgress>? progress = null, CancellationToken cancellation = default,
        string? device = null)
    {
        if (!trace) return (ExperimentRunner.RunAll(scenario, setup, maxThreads, progress, cancellation: cancellation), null);
        var payloads = recordPayloads ? scenario.Defences.Select(_ => new PayloadStore()).ToArray() : null;
        var recorders = scenario.Defences.Select((d, i) => new TraceRecorder(d, i, payloads?[i])).ToArray();
        var results = ExperimentRunner.RunAll(scenario, setup, maxThreads, progress, i => [recorders[i]], cancellation);
        return (results, TraceContent.Build(scenario, simbyzVersion, recorders, payloads, device, setup.Plugins));
    }

    /// <summary>How many evaluation points per defence <see cref="RunInto"/> keeps in memory for plots and the final figures
    /// (every point goes to metrics.csv).</summary>
    public const int PlottedRows = 4096;

    /// <summary>
    /// Runs the scenario writing metrics.csv (and, with <paramref name="trace"/>, trace.jsonl; with
    /// <paramref name="recordPayloads"/>, the payload sidecar) into <paramref name="output"/> while it goes, so the
    /// run's memory does not grow with its number of steps. The files are byte-identical to those of
    /// <see cref="ExperimentRunner.MetricsCsv"/> and <see cref="TraceContent.Build"/> for the same run. The results keep a
    /// bounded sample of evaluation points (<see cref="PlottedRows"/>; always the last). Nothing is committed:
    /// the caller commits or disposes <paramref name="output"/> (its working files go with it on an error).
    /// </summary>
    /// <remarks>Recorded payloads are written to working files as they arrive too; only their hashes stay in
    /// memory (about a hundred bytes per distinct payload), to store each vector once.
    /// <paramref name="observers"/>: more observers per defence index (after the writers).</remarks>
    public static IReadOnlyList<RunResult> RunInto(AtomicOutput output, Scenario scenario, RunSetup setup, string simbyzVersion,
        bool trace = true, bool recordPayloads = false, int maxThreads = 1, Action<DefenceProgress>? progress = null, CancellationToken cancellation = default,
        string? device = null, Func<int, IReadOnlyList<ISimulationObserver>>? observers = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(scenario);
        int count = scenario.Defences.Count;
        var metricsParts = Enumerable.Range(0, count).Select(i => $".metrics-{i}.part.csv").ToArray();
        var traceParts = Enumerable.Range(0, count).Select(i => $".trace-{i}.part.jsonl").ToArray();
        var payloadParts = Enumerable.Range(0, count).Select(i => $".payloads-{i}.part.bin").ToArray();
        var writers = new List<IDisposable>();
        try
        {
            var metrics = new MetricsCsvWriter[count];
            for (int i = 0; i < count; i++)
            {
                var w = output.CreateWorkingText(metricsParts[i], "metrics.csv");
                writers.Add(w);
                metrics[i] = new MetricsCsvWriter(w);
            }
            PayloadStore[]? payloads = null;
            if (trace && recordPayloads)
            {
                payloads = new PayloadStore[count];
                for (int i = 0; i < count; i++)
                {
                    var spill = output.CreateWorking(payloadParts[i], TraceContent.PayloadFileName);
                    writers.Add(spill);
                    payloads[i] = new PayloadStore(spill);
                }
            }
            TraceRecorder[]? recorders = null;
            if (trace)
            {
                recorders = new TraceRecorder[count];
                for (int i = 0; i < count; i++)
                {
                    var w = output.CreateWorkingText(traceParts[i], TraceContent.FileName);
                    writers.Add(w);
                    recorders[i] = new TraceRecorder(scenario.Defences[i], i, w, payloads?[i]);
                }
            }
            var results = ExperimentRunner.RunAll(scenario, setup, maxThreads, progress, i =>
            {
                var list = new List<ISimulationObserver> { metrics[i] };
                if (recorders is not null) list.Add(recorders[i]);
                if (observers is not null) list.AddRange(observers(i));
                return list;
            }, cancellation, PlottedRows);
            foreach (var m in metrics) m.Complete();
            foreach (var w in writers) w.Dispose();
            writers.Clear();
            ExperimentRunner.WriteMetricsFromParts(output, metricsParts, setup.Federation is not null);
            if (trace) TraceContent.WriteStreamed(output, TraceContent.Header(scenario, simbyzVersion, payloads is not null, device, setup.Plugins), traceParts, payloads, payloadParts);
            return results;
        }
        finally
        {
            // Only after an error: the output is abandoned, so a second failure while closing must not hide the first.
            foreach (var w in writers)
            {
                try
                {
                    w.Dispose();
                }
                catch (SimByzException)
                {
                }
            }
        }
    }
}
