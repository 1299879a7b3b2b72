using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

public class TrainingRunTests
{
    /// <summary>A small scenario (fast): 9 workers, 3 Byzantine, softmax on a Gaussian mixture.</summary>
    private static Scenario Small(params string[] sets) => ScenarioLoader.Parse(SmallJson, "test").With(sets);

    internal const string SmallJson = """
    {
      "name": "small", "seed": 7,
      "task": { "data": "gaussian-mixture:classes=4,features=6,train=3000,test=500,separation=3", "model": "softmax", "validation": 200 },
      "workers": { "count": 9, "batchSize": 16, "compute": "exponential:mean=5ms", "network": "uniform:min=1ms,max=3ms" },
      "byzantine": { "count": 3, "attack": "sign-flip:s=4" },
      "protocol": { "kind": "sync", "wait": "all" },
      "optimizer": { "learningRate": 0.1 },
      "defences": ["mean", "krum:f=3", "zeno:b=3"],
      "budget": { "steps": 40 },
      "evaluation": { "every": 10 }
    }
    """;

    /// <summary>Runs one defence; <c>Sent</c> is every message in sending order (the engine forgets resolved messages: the observer keeps them).</summary>
    private static (RunResult Result, RecordingObserver Observer, IReadOnlyList<MessageInfo> Sent) RunOne(Scenario scenario, string? defence = null)
    {
        var setup = ScenarioBuilder.Build(scenario);
        var observer = new RecordingObserver();
        var run = new TrainingRun(setup, defence ?? scenario.Defences[0], [observer]);
        var result = run.Run();
        return (result, observer, observer.DispatchedMessages);
    }

    public static TheoryData<string[]> Protocols => new()
    {
        { ["protocol.wait=all"] },
        { ["protocol.wait=first-k", "protocol.k=5", "defences=[\"mean\"]"] },
        { ["protocol.wait=deadline", "protocol.deadline=8ms"] },
        { ["protocol.kind=async", "defences=[\"async-sgd\"]", "protocol.maxStaleness=3"] },
        { ["protocol.kind=async", "defences=[\"zeno++\"]"] },
        { ["protocol.kind=async", "defences=[\"median\"]", "protocol.asyncBuffer=4"] },
        { ["workers.availability=[{\"worker\":1,\"crash\":\"20ms\",\"recover\":\"90ms\"},{\"worker\":5,\"crash\":\"0.05\"}]"] },
        { ["protocol.kind=async", "defences=[\"async-sgd\"]", "workers.availability=[{\"worker\":4,\"crash\":\"10ms\",\"recover\":\"60ms\"}]"] },
        { ["byzantine.attack=omission"] },
    };

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Run_AnyProtocol_EveryMessageEndsExactlyOnce(string[] sets)
    {
        var (result, observer, sent) = RunOne(Small(sets));
        var messages = sent.ToList();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.NotEqual(MessageFate.Pending, m.Fate));
        Assert.All(messages, m => Assert.Equal(1, observer.ResolutionCount.GetValueOrDefault(m.Id)));
        var final = result.Final;
        Assert.Equal(messages.Count, final.HonestApplied + final.HonestRejected + final.HonestDropped + final.ByzantineApplied + final.ByzantineRejected + final.ByzantineDropped);
        Assert.All(observer.Arrivals, a => Assert.True(a.Message.Staleness >= 0));
        Assert.All(messages, m => Assert.True(m.ComputeDone >= m.Dispatched && m.Arrival >= m.ComputeDone));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Run_AnyProtocol_SimulatedTimeNeverDecreases(string[] sets)
    {
        var (_, observer, _) = RunOne(Small(sets));
        for (int i = 1; i < observer.Times.Count; i++) Assert.True(observer.Times[i] >= observer.Times[i - 1], $"time went back at record {i}");
    }

    [Fact]
    public void Sync_WaitAll_AggregatesEveryWorker_AndFirstK_ExactlyK()
    {
        var (_, all, _) = RunOne(Small());
        Assert.Equal(40, all.Aggregations.Count);
        Assert.All(all.Aggregations, a => Assert.Equal(9, a.Inputs));
        var (_, firstK, sent) = RunOne(Small("protocol.wait=first-k", "protocol.k=5", "defences=[\"mean\"]"));
        Assert.All(firstK.Aggregations, a => Assert.Equal(5, a.Inputs));
        Assert.Contains(sent, m => m.Fate == MessageFate.Dropped && m.Reason!.StartsWith("late", StringComparison.Ordinal));
    }

    [Fact]
    public void Sync_Omission_ByzantineWorkersNeverSend()
    {
        var (_, observer, sent) = RunOne(Small("byzantine.attack=omission"));
        Assert.DoesNotContain(sent, m => m.Byzantine);
        Assert.All(observer.Aggregations, a => Assert.Equal(6, a.Inputs));
    }

    [Fact]
    public void Async_MaxStaleness_DropsOnlyTooStaleMessages()
    {
        var (_, observer, sent) = RunOne(Small("protocol.kind=async", "defences=[\"async-sgd\"]", "protocol.maxStaleness=1",
            "workers.overrides=[{\"workers\":[0],\"compute\":\"constant:t=40ms\"}]"));
        var dropped = sent.Where(m => m.Fate == MessageFate.Dropped && m.Reason!.StartsWith("staleness", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(dropped);
        Assert.All(dropped, m => Assert.True(m.Staleness > 1));
        Assert.All(sent.Where(m => m.Fate == MessageFate.Applied), m => Assert.True(m.Staleness <= 1));
        Assert.Equal(observer.Versions, Enumerable.Range(1, observer.Versions.Count).Select(v => (long)v));
    }

    [Fact]
    public void Crash_WorkerDownForAWhile_SendsNothingWhileDown()
    {
        var (_, _, sent) = RunOne(Small("workers.availability=[{\"worker\":1,\"crash\":\"20ms\",\"recover\":\"90ms\"}]"));
        Assert.DoesNotContain(sent, m => m.Worker == 1 && m.Dispatched >= SimByz.Scheduler.SimTime.FromMilliseconds(20) && m.Dispatched < SimByz.Scheduler.SimTime.FromMilliseconds(90));
        Assert.Contains(sent, m => m.Worker == 1 && m.Dispatched >= SimByz.Scheduler.SimTime.FromMilliseconds(90));
    }

    [Fact]
    public void HonestOnly_ConvexQuadratic_ConvergesToTheOptimum()
    {
        // f(x) = (μ/2)·mean‖x − z_i‖²: optimum at the mean of the z_i, where the loss equals half their spread.
        var scenario = Small("task.data=\"quadratic:features=5,train=2000,test=500\"", "task.model=\"quadratic\"",
            "byzantine.count=0", "byzantine.attack=null", "defences=[\"mean\"]", "budget.steps=300", "optimizer.learningRate=0.2");
        var setup = ScenarioBuilder.Build(scenario);
        var result = new TrainingRun(setup, "mean").Run();
        double initial = result.Rows[0].TestLoss, final = result.Final.TestLoss;
        var test = setup.Test;
        // The loss at the test set's own optimum (its mean) is the floor; training on other samples gets close to it.
        var mean = new double[test.FeatureCount];
        for (int i = 0; i < test.Count; i++) for (int j = 0; j < mean.Length; j++) mean[j] += test.Example(i)[j] / (double)test.Count;
        var optimum = mean.Select(v => (float)v).ToArray();
        double floor = setup.Model.Loss(optimum, test, Enumerable.Range(0, test.Count).ToArray());
        Assert.True(final < initial, $"loss did not decrease: {initial} → {final}");
        Assert.True(final - floor < 0.02 * (initial - floor) + 1e-3, $"final {final} not near optimum {floor} (initial {initial})");
    }

    [Fact]
    public void HonestOnly_Softmax_LearnsTheMixture()
    {
        var scenario = Small("byzantine.count=0", "byzantine.attack=null", "budget.steps=200");
        var result = new TrainingRun(ScenarioBuilder.Build(scenario), "mean").Run();
        Assert.True(result.Final.TestAccuracy > 0.8, $"accuracy {result.Final.TestAccuracy}");
    }

    [Fact]
    public void SignFlip_MeanFails_ZenoAndKrumLearn()
    {
        var scenario = Small("budget.steps=100");
        var results = ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), 1);
        Assert.True(results[0].Final.TestLoss > results[0].Rows[0].TestLoss, "mean should be dragged uphill");
        Assert.True(results[1].Final.TestAccuracy > 0.8, $"krum {results[1].Final.TestAccuracy}");
        Assert.True(results[2].Final.TestAccuracy > 0.8, $"zeno {results[2].Final.TestAccuracy}");
    }

    [Fact]
    public void SameScenarioAndSeed_ByteIdenticalOutputs_WhateverTheThreadCount()
    {
        var scenario = Small("protocol.wait=first-k", "protocol.k=7", "defences=[\"mean\",\"trimmed-mean:b=2\",\"zeno:b=3\"]");
        string Csv(int threads) => ExperimentRunner.MetricsCsv(ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), threads));
        string Summary(int threads) => ExperimentRunner.Summary(scenario, ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), threads), "test").ToString();
        string one = Csv(1);
        Assert.Equal(one, Csv(1));
        Assert.Equal(one, Csv(3));
        Assert.Equal(Summary(1), Summary(4));
        var other = scenario.With("seed=8");
        Assert.NotEqual(one, ExperimentRunner.MetricsCsv(ExperimentRunner.RunAll(other, ScenarioBuilder.Build(other), 1)));
    }

    [Fact]
    public void FinalRow_KeepsItsStalenessStatistics_AndCountsEndDrops()
    {
        var (result, _, sent) = RunOne(Small("protocol.kind=async", "defences=[\"median\"]", "protocol.asyncBuffer=5", "budget.steps=30"));
        Assert.Equal(30, result.Final.Step);
        Assert.True(double.IsFinite(result.Final.StalenessMean), "final staleness statistics lost");
        Assert.Single(result.Rows, r => r.Step == 30);
        Assert.Equal(sent.Count(m => m.Fate == MessageFate.Dropped), result.Final.HonestDropped + result.Final.ByzantineDropped);
        Assert.Equal("steps", result.StopReason);
    }

    [Fact]
    public void TimeBudget_RunsToTheGivenTime_NotCutByAMessageCap()
    {
        var (result, _, _) = RunOne(Small("budget.steps=0", "budget.time=\"2s\""));
        Assert.Equal("time", result.StopReason);
        Assert.True(result.EndTime > SimByz.Scheduler.SimTime.FromMilliseconds(1900), $"stopped at {result.EndTime}");
        Assert.True(result.Steps > 100);
    }
}
