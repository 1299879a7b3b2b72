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
}
