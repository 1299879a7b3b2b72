using Newtonsoft.Json.Linq;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Traces;

[CollectionDefinition(nameof(StreamedRunMemoryTests), DisableParallelization = true)]
public sealed class StreamedRunMemoryCollection;

/// <summary>
/// <see cref="TracedExperiment.RunInto"/> streams metrics rows and trace records to the hidden output folder as the run
/// produces them: the files are the bytes the in-memory path gives, and the golden traces come out unchanged.
/// </summary>
public class StreamedRunTests
{
    [Theory]
    [InlineData("golden-sync", false)]
    [InlineData("golden-async", true)]
    public void RunInto_GoldenScenario_WritesTheCommittedTraceByteForByte(string name, bool payloads)
    {
        string committed = Path.Combine(TraceFixtures.RepoRoot, "traces", name + ".jsonl");
        string version = TraceDocument.Load(committed).Header.Value<string>("simbyz")!;
        var scenario = TraceFixtures.Golden(name);
        using var tmp = TraceFixtures.Temp();
        using (var files = new AtomicOutput(tmp.File("out")))
        {
            TracedExperiment.RunInto(files, scenario, ScenarioBuilder.Build(scenario), version, trace: true, recordPayloads: payloads, maxThreads: 2);
            files.Commit();
        }
        string[] expected = payloads
            ? ["metrics.csv", TraceContent.PayloadFileName, TraceContent.PayloadIndexFileName, TraceContent.FileName]
            : ["metrics.csv", TraceContent.FileName];
        Assert.Equal(expected.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(tmp.File("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        if (!payloads) Assert.Equal(File.ReadAllBytes(committed), File.ReadAllBytes(tmp.File("out/trace.jsonl")));
        else
        {
            // With payloads the header says so; everything else matches the trace recorded in memory, sidecar included.
            var inMemory = TracedExperiment.Run(scenario, ScenarioBuilder.Build(scenario), version, trace: true, recordPayloads: true);
            TraceFixtures.Write(inMemory.Trace!, tmp.File("memory"));
            foreach (string f in new[] { TraceContent.FileName, TraceContent.PayloadFileName, TraceContent.PayloadIndexFileName })
            {
                Assert.Equal(File.ReadAllBytes(tmp.File("memory/" + f)), File.ReadAllBytes(tmp.File("out/" + f)));
            }
            Assert.Equal(ExperimentRunner.MetricsCsv(inMemory.Results), File.ReadAllText(tmp.File("out/metrics.csv")));
        }
    }

    [Fact]
    public void RunInto_ManyEvaluationPoints_MetricsFileHasEveryPointAndResultsKeepABoundedSample()
    {
        var scenario = TraceFixtures.Golden("golden-sync").With(["budget.steps=5000", "evaluation.every=1", "evaluation.trainRows=0"]);
        var setup = ScenarioBuilder.Build(scenario);
        var inMemory = ExperimentRunner.RunAll(scenario, setup, maxThreads: 2);
        using var tmp = TraceFixtures.Temp();
        IReadOnlyList<RunResult> streamed;
        using (var files = new AtomicOutput(tmp.File("out")))
        {
            streamed = TracedExperiment.RunInto(files, scenario, setup, "test", trace: false, maxThreads: 2);
            files.Commit();
        }
        Assert.Equal(ExperimentRunner.MetricsCsv(inMemory), File.ReadAllText(tmp.File("out/metrics.csv")));
        for (int i = 0; i < streamed.Count; i++)
        {
            Assert.InRange(streamed[i].Rows.Count, 2, TracedExperiment.PlottedRows + 1);
            Assert.Equal(inMemory[i].Final, streamed[i].Final);
            Assert.Equal(inMemory[i].Rows[0], streamed[i].Rows[0]);
        }
    }

    [Fact]
    public void RunInto_AnErrorInTheRun_LeavesNothingBehind()
    {
        var scenario = TraceFixtures.Golden("golden-sync").With(["workers.compute=\"pareto:scale=1s,alpha=0.0001\"", "budget.steps=100000"]);
        using var tmp = TraceFixtures.Temp();
        using (var files = new AtomicOutput(tmp.File("out")))
        {
            var error = Assert.Throws<SimByzException>(() => { TracedExperiment.RunInto(files, scenario, ScenarioBuilder.Build(scenario), "test"); });
            Assert.Contains("compute delay 'pareto:", error.Message, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }
}

/// <summary>A long run's memory does not grow with its number of steps (README, Guarantees). Runs alone: it reads the process's heap.</summary>
[Collection(nameof(StreamedRunMemoryTests))]
public class StreamedRunMemoryTests
{
    /// <summary>Measures the live heap (after a full collection) at two evaluation points of one run.</summary>
    private sealed class HeapProbe(long first, long second) : ISimulationObserver
    {
        public long AtFirst { get; private set; }

        public long AtSecond { get; private set; }

        public void Evaluated(SimTime time, MetricsRow row)
        {
            if (row.Step == first && AtFirst == 0) AtFirst = GC.GetTotalMemory(forceFullCollection: true);
            if (row.Step == second && AtSecond == 0) AtSecond = GC.GetTotalMemory(forceFullCollection: true);
        }
    }

    [Fact]
    public void RunInto_ThreeTimesTheSteps_TheLiveHeapDoesNotGrow()
    {
        // 8 workers: 6,000 steps send 48,000 messages and write about 250,000 trace records (≈ 60 MB as strings in memory).
        var scenario = TraceFixtures.Golden("golden-sync").With(["defences=[\"mean\"]", "budget.steps=6000", "evaluation.every=100", "evaluation.trainRows=0"]);
        var probe = new HeapProbe(2000, 6000);
        using var tmp = TraceFixtures.Temp();
        using (var files = new AtomicOutput(tmp.File("out")))
        {
            TracedExperiment.RunInto(files, scenario, ScenarioBuilder.Build(scenario), "test", trace: true, maxThreads: 1, observers: _ => [probe]);
        }
        Assert.True(probe.AtFirst > 0 && probe.AtSecond > 0);
        long growth = probe.AtSecond - probe.AtFirst;
        Assert.True(growth < 4_000_000, $"the live heap grew by {growth:N0} bytes between step 2000 and step 6000");
    }
}
