using SimByz.Simulator.Traces;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Testing.Simulator;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Simulator;

/// <summary>
/// Invariants of the discrete-event simulator over generated scenarios: n in
/// 2..7, any q in 0..n−1, sync (all / first-k / deadline) and async (bounded or unbounded
/// staleness, async-sgd / zenopp / buffered median), every delay-model family, seven attacks.
/// </summary>
/// <remarks>Not here yet: "same seed ⇒ identical trace hash" and "replay of a generated run reports
/// no divergence" need the trace recorder and replayer (branch <c>traces</c>); same seed ⇒ identical
/// metrics is checked instead.</remarks>
public class SimulatorInvariantProperties
{
    /// <summary>A small strongly convex task so a case runs in milliseconds.</summary>
    internal const string BaseJson = """
    {
      "name": "property", "seed": 1,
      "task": { "data": "quadratic:features=4,train=600,test=100", "model": "quadratic", "validation": 60 },
      "workers": { "count": 4, "batchSize": 8, "compute": "constant:t=2ms", "network": "constant:t=1ms" },
      "byzantine": { "count": 0 },
      "protocol": { "kind": "sync", "wait": "all" },
      "optimizer": { "learningRate": 0.1 },
      "defences": ["mean"],
      "validationBatch": 16,
      "budget": { "steps": 5 },
      "evaluation": { "every": 5, "trainRows": 100 }
    }
    """;

    internal static Scenario ScenarioOf(ScenarioCase c) => ScenarioLoader.Parse(BaseJson, "property").With(c.Sets());

    /// <summary>Runs the case; <c>Sent</c> is every message in sending order (the engine forgets resolved messages: the observer keeps them).</summary>
    private static (IReadOnlyList<MessageInfo> Sent, RunResult Result, RecordingObserver Observer, RunSetup Setup) Simulate(ScenarioCase c)
    {
        var scenario = ScenarioOf(c);
        var setup = ScenarioBuilder.Build(scenario);
        var observer = new RecordingObserver();
        var run = new TrainingRun(setup, scenario.Defences[0], [observer]);
        var result = run.Run();
        return (observer.DispatchedMessages, result, observer, setup);
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Run_AnyScenario_SimulatedTimeNeverDecreases(ScenarioCase c)
    {
        var (_, _, observer, _) = Simulate(c);
        for (int i = 1; i < observer.Times.Count; i++)
        {
            Assert.True(observer.Times[i] >= observer.Times[i - 1], $"time went back at record {i}: {observer.Times[i - 1]} → {observer.Times[i]}");
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Run_AnyScenario_CompletionIsDispatchPlusTheWorkersOwnDraws(ScenarioCase c)
    {
        // compute done − dispatched and arrival − compute done are, worker by worker in dispatch
        // order, the successive draws of that worker's compute and network streams.
        var (sent, _, _, setup) = Simulate(c);
        foreach (var byWorker in sent.Where(m => !m.Byzantine).GroupBy(m => m.Worker))
        {
            int w = byWorker.Key;
            var compute = setup.ComputeDelay(w);
            var network = setup.NetworkDelay(w);
            var computeRng = RandomStreams.Derive(setup.Seed, StreamPurpose.WorkerCompute, w);
            var networkRng = RandomStreams.Derive(setup.Seed, StreamPurpose.WorkerNetwork, w);
            foreach (var m in byWorker.OrderBy(m => m.Dispatched).ThenBy(m => m.Id))
            {
                var duration = compute.Sample(computeRng);
                Assert.True(duration >= SimTime.Zero);
                Assert.True(m.ComputeDone == m.Dispatched + duration, $"worker {w} message {m.Id}: dispatched {m.Dispatched}, compute done {m.ComputeDone}, draw {duration}");
                var delay = network.Sample(networkRng);
                Assert.True(m.Arrival == m.ComputeDone + delay, $"worker {w} message {m.Id}: compute done {m.ComputeDone}, arrival {m.Arrival}, draw {delay}");
            }
        }
        Assert.All(sent, m => Assert.True(m.Dispatched <= m.ComputeDone && m.ComputeDone <= m.Arrival, $"message {m.Id}"));
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Run_AnyScenario_StalenessWithinItsBound(ScenarioCase c)
    {
        var (sent, _, observer, _) = Simulate(c);
        Assert.All(observer.Arrivals, a => Assert.True(a.Message.Staleness >= 0, $"message {a.Message.Id} staleness {a.Message.Staleness}"));
        foreach (var m in sent.Where(m => m.Fate == MessageFate.Applied))
        {
            if (!c.Async) Assert.True(m.Staleness == 0, $"sync message {m.Id} applied with staleness {m.Staleness}");
            else if (c.MaxStaleness >= 0) Assert.True(m.Staleness <= c.MaxStaleness, $"message {m.Id} applied with staleness {m.Staleness} > bound {c.MaxStaleness}");
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Run_AnyScenario_EveryMessageEndsExactlyOnce(ScenarioCase c)
    {
        var (sent, result, observer, _) = Simulate(c);
        var messages = sent.ToList();
        Assert.All(messages, m => Assert.NotEqual(MessageFate.Pending, m.Fate));
        Assert.All(messages, m => Assert.True(observer.ResolutionCount.GetValueOrDefault(m.Id) == 1, $"message {m.Id} resolved {observer.ResolutionCount.GetValueOrDefault(m.Id)} times"));
        Assert.Equal(messages.Count, observer.ResolutionCount.Count);
        var f = result.Final;
        Assert.Equal(messages.Count(m => !m.Byzantine && m.Fate == MessageFate.Applied), f.HonestApplied);
        Assert.Equal(messages.Count(m => m.Byzantine && m.Fate == MessageFate.Applied), f.ByzantineApplied);
        Assert.Equal(messages.Count, f.HonestApplied + f.HonestRejected + f.HonestDropped + f.ByzantineApplied + f.ByzantineRejected + f.ByzantineDropped);
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Run_SyncScenario_EveryRoundAggregatesTheConfiguredCount(ScenarioCase c)
    {
        if (c.Async) return;
        var (sent, result, observer, _) = Simulate(c);
        int senders = c.Attack == "omission" ? c.Workers - c.Byzantine : c.Workers;
        // A deadline round with no reply in time advances the step without aggregating (SyncProtocol.CloseRound).
        if (c.Wait == "deadline") Assert.True(observer.Aggregations.Count <= result.Steps);
        else Assert.Equal(result.Steps, observer.Aggregations.Count);
        foreach (var (round, inputs) in observer.Aggregations)
        {
            int expected = c.Wait switch { "all" => senders, "first-k" => Math.Min(c.K, senders), _ => -1 };
            if (expected >= 0) Assert.True(inputs == expected, $"round {round} aggregated {inputs}, expected {expected}");
            else Assert.True(inputs >= 1 && inputs <= senders, $"deadline round {round} aggregated {inputs} (senders {senders})");
            Assert.Equal(inputs, sent.Count(m => m.ModelVersion == round && m.Fate is MessageFate.Applied or MessageFate.Rejected));
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Run_SameSeed_IdenticalMetrics(ScenarioCase c)
    {
        var a = Simulate(c).Result;
        var b = Simulate(c).Result;
        Assert.Equal(ExperimentRunner.MetricsCsv([a]), ExperimentRunner.MetricsCsv([b]));
        Assert.Equal((a.Steps, a.EndTime, a.Events, a.Messages), (b.Steps, b.EndTime, b.Events, b.Messages));
    }

    [BudgetedProperty(Divisor = 4, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void RunAll_OneOrThreeThreads_IdenticalResults(ScenarioCase c)
    {
        var scenario = ScenarioOf(c);
        var defences = c.Async ? new[] { c.Defence, "async-sgd", "zenopp:k=2" } : new[] { c.Defence, "mean", "median", "trimmed-mean:b=0" };
        scenario = scenario with { Defences = defences.Distinct().ToList() };
        string Csv(int threads) => ExperimentRunner.MetricsCsv(ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), threads));
        Assert.Equal(Csv(1), Csv(3));
    }

    /// <summary>Same scenario and seed ⇒ the same trace, byte for byte (so the same whole-trace hash).</summary>
    [BudgetedProperty(Divisor = 2, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Trace_SameSeed_IdenticalBytesAndHash(ScenarioCase c)
    {
        var scenario = ScenarioOf(c);
        string Trace() => TracedExperiment.Run(scenario, ScenarioBuilder.Build(scenario), "property", trace: true).Trace!.Text();
        string first = Trace();
        Assert.Equal(first, Trace());
    }

    /// <summary>Exact replay of a generated run (parse the recorded trace, re-run its header's scenario)
    /// reports no divergence.</summary>
    [BudgetedProperty(Divisor = 2, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Trace_GeneratedRun_ReplaysWithoutDivergence(ScenarioCase c)
    {
        var scenario = ScenarioOf(c);
        var recorded = TraceDocument.Parse(TracedExperiment.Run(scenario, ScenarioBuilder.Build(scenario), "property", trace: true).Trace!.Text(), "generated");
        var rerun = TracedExperiment.Run(recorded.Scenario, ScenarioBuilder.Build(recorded.Scenario), "property", trace: true).Trace!;
        var divergence = TraceComparison.FirstDivergence(recorded, rerun.Lines);
        Assert.True(divergence is null, divergence?.ToString());
    }
}
