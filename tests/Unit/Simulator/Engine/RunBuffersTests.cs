using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

/// <summary>
/// The runs of one setup hand their message slabs on (<see cref="RunBuffers"/>): a buffer comes back zeroed whatever the
/// run before left in it, a run on a setup whose runs came before gives the bytes of a run on a new setup, and a run that
/// was cancelled with messages in flight gives back only what no message still holds.
/// </summary>
public class RunBuffersTests
{
    [Fact]
    public void Take_AfterGive_SameArrayZeroed()
    {
        var buffers = new RunBuffers();
        var first = buffers.Take(1000);
        first.Span.Fill(float.NaN);
        buffers.Give(first);
        Assert.Equal(1, buffers.Kept);

        var second = buffers.Take(900);

        Assert.Same(first.Array, second.Array);
        Assert.Equal(0, buffers.Kept);
        Assert.True(second.Span.ToArray().All(x => x == 0f && !float.IsNegative(x)), "a taken buffer holds what the run before wrote");
    }

    [Fact]
    public void Take_SmallestKeptThatFits_ElseNew()
    {
        var buffers = new RunBuffers();
        var big = buffers.Take(4000);
        var small = buffers.Take(1000);
        var middle = buffers.Take(2000);
        buffers.Give(big);
        buffers.Give(small);
        buffers.Give(middle);

        // 2000 and 4000 both fit a request of 2000 within the slack: the smaller is taken.
        Assert.Same(middle.Array, buffers.Take(2000).Array);
        var fresh = buffers.Take(5000);
        Assert.DoesNotContain(fresh.Array, new[] { big.Array, small.Array, middle.Array });
        Assert.Equal(2, buffers.Kept);
        // A kept buffer more than MaxSlack times too long is not taken: a small run neither clears nor holds a large one's.
        var tiny = buffers.Take(100);
        Assert.DoesNotContain(tiny.Array, new[] { big.Array, small.Array });
        Assert.Equal(2, buffers.Kept);
    }

    [Fact]
    public void Give_BeyondMaxKept_LeftToTheCollector()
    {
        var buffers = new RunBuffers();
        buffers.Give(default);
        Assert.Equal(0, buffers.Kept);
        var held = Enumerable.Range(0, RunBuffers.MaxKept + 3).Select(_ => buffers.Take(64)).ToArray();
        foreach (var b in held) buffers.Give(b);
        Assert.Equal(RunBuffers.MaxKept, buffers.Kept);
    }

    [Fact]
    public void RunsOfOneSetup_HandOnTheirSlab_SameBytesAsANewSetup()
    {
        var scenario = Scenario(steps: 6);
        var shared = ScenarioBuilder.Build(scenario);

        var first = RunOnce(shared, scenario);
        Assert.Equal(1, shared.Buffers.Kept);
        // Dirty the slab the first run handed on (one row per worker), as a run of another defence would leave it.
        int length = shared.WorkerCount * shared.Model.ParameterCount;
        var handed = shared.Buffers.Take(length);
        Assert.Equal(0, shared.Buffers.Kept); // it was the first run's, not a new one
        Assert.True(handed.Length >= length && length > 0);
        handed.Span.Fill(float.NaN);
        shared.Buffers.Give(handed);

        var second = RunOnce(shared, scenario);
        var fresh = RunOnce(ScenarioBuilder.Build(scenario), scenario);

        Assert.Same(handed.Array, shared.Buffers.Take(length).Array); // the second run used it and gave it back
        Assert.Equal(fresh, first);
        Assert.Equal(fresh, second);
    }

    [Fact]
    public void CancelledRun_MessagesInFlight_NextRunOfTheSetupUnchanged()
    {
        var scenario = Scenario(steps: 60);
        var shared = ScenarioBuilder.Build(scenario);
        using var cancel = new CancellationTokenSource();
        var stopped = new TrainingRun(shared, scenario.Defences[0]);
        // Cancelled at its third step: the token is checked every 1024 events (about 25 steps of 20 workers), so the run
        // stops between two events of a later round, with messages in flight.
        Assert.ThrowsAny<OperationCanceledException>(() => stopped.Run(steps =>
        {
            if (steps == 3) cancel.Cancel();
        }, cancel.Token));
        Assert.Equal(0, shared.Buffers.Kept); // its only slab held messages in flight: not given back

        var after = RunOnce(shared, scenario);
        var fresh = RunOnce(ScenarioBuilder.Build(scenario), scenario);

        Assert.Equal(fresh, after);
    }

    [Fact]
    public void ReleaseSlabs_MessageInFlight_SlabKeptUntilResolved()
    {
        var scenario = Scenario(steps: 1);
        var setup = ScenarioBuilder.Build(scenario);
        int d = setup.Model.ParameterCount;
        var ledger = new MessageLedger(d, new Simulation<EngineEvent>(16), [], setup.Buffers);
        var worker = new Worker(0, byzantine: false, setup, setup.Train, setup.Model, keepLatest: false);
        var slab = ledger.RentSlab(2);
        var inFlight = ledger.Open(worker, 0, slab, 0);
        var done = ledger.Open(worker, 0, slab, 1);
        inFlight.Payload.Span.Fill(3f);
        ledger.Resolve(done, MessageFate.Applied, 0, null);

        ledger.ReleaseSlabs();
        setup.Buffers.Take(2 * d); // would clear the slab's matrix had it been given back

        Assert.Equal(0, setup.Buffers.Kept);
        Assert.True(inFlight.Payload.Span.ToArray().All(x => x == 3f), "the payload of a message in flight was given away");
        ledger.Resolve(inFlight, MessageFate.Applied, 0, null);
        ledger.ReleaseSlabs();
        Assert.Equal(1, setup.Buffers.Kept);
    }

    [Fact]
    public void DefencesInParallel_ShareTheSetupsBuffers_SameResultsAsOneThreadOnANewSetup()
    {
        var scenario = ScenarioLoader.Load("default",
        [
            "task.data=gaussian-mixture:classes=10,features=64,train=2000,test=100,separation=3", "task.model=mlp:hidden=16",
            "task.validation=0.2", "workers.batchSize=25", "defences=[\"median\", \"mean\", \"krum:f=4\", \"trimmed-mean:b=4\"]",
            "budget.steps=5", "evaluation.every=1",
        ]);
        var shared = ScenarioBuilder.Build(scenario);
        ExperimentRunner.RunAll(scenario, shared, maxThreads: 2);
        Assert.True(shared.Buffers.Kept >= 1, "the runs gave nothing back");

        var again = ExperimentRunner.RunAll(scenario, shared, maxThreads: 2);
        var fresh = ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), maxThreads: 1);

        Assert.Equal(fresh.Count, again.Count);
        for (int i = 0; i < fresh.Count; i++) Assert.Equal(fresh[i].Rows, again[i].Rows);
    }

    private static Scenario Scenario(int steps) => ScenarioLoader.Load("default",
    [
        "task.data=gaussian-mixture:classes=10,features=64,train=2000,test=100,separation=3", "task.model=mlp:hidden=16",
        "task.validation=0.2", "workers.batchSize=25", "byzantine.attack=sign-flip:s=1,of=mean", "defences=[\"median\"]",
        $"budget.steps={steps}", "evaluation.every=2",
    ]);

    /// <summary>Every model the server applied, and the metrics rows, as one string of bytes and values.</summary>
    private static string RunOnce(RunSetup setup, Scenario scenario)
    {
        var models = new Models();
        var result = new TrainingRun(setup, scenario.Defences[0], [models]).Run();
        return string.Join("\n", models.Hashes) + "\n" + string.Join("\n", result.Rows.Select(r => r.ToString()));
    }

    private sealed class Models : ISimulationObserver
    {
        public List<string> Hashes { get; } = [];

        public void ModelUpdated(SimTime time, long version, ReadOnlySpan<float> parameters)
            => Hashes.Add($"{version} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(parameters)))}");
    }
}
