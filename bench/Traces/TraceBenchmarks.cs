using BenchmarkDotNet.Attributes;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;

namespace SimByz.Bench.Traces;

/// <summary>
/// The cost of tracing: a whole small run (the default scenario shrunk to 12 workers, 4 Byzantine,
/// 60 steps, mean and krum) without a trace (the floor), with the trace, and with the payload sidecar;
/// plus reading and validating the resulting trace (<see cref="TraceDocument.Parse"/>).
/// </summary>
[MemoryDiagnoser]
public class TraceBenchmarks
{
    private Scenario _scenario = null!;
    private RunSetup _setup = null!;
    private string _text = "";

    [GlobalSetup]
    public void Setup()
    {
        _scenario = ScenarioLoader.Load("default", ["workers.count=12", "byzantine.count=4", "budget.steps=60", "defences=[\"mean\",\"krum:f=4\"]"]);
        _setup = ScenarioBuilder.Build(_scenario);
        _text = TracedExperiment.Run(_scenario, _setup, "bench").Trace!.Text();
    }

    /// <summary>Floor: the same runs, no observer.</summary>
    [Benchmark(Baseline = true)]
    public int RunWithoutTrace() => ExperimentRunner.RunAll(_scenario, _setup).Count;

    [Benchmark]
    public int RunWithTrace() => TracedExperiment.Run(_scenario, _setup, "bench").Trace!.Lines.Count;

    [Benchmark]
    public int RunWithTraceAndPayloads() => TracedExperiment.Run(_scenario, _setup, "bench", recordPayloads: true).Trace!.Lines.Count;

    [Benchmark]
    public int ParseAndValidate() => TraceDocument.Parse(_text, "bench").LineCount;
}
