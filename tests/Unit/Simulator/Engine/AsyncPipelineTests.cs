using System.Diagnostics;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Tasks;
using SimByz.Simulator.Tasks.Models;
using SimByz.Specs;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

/// <summary>The pipeline tests set the process-wide thread count: they run alone.</summary>
[CollectionDefinition(nameof(AsyncPipelineTests), DisableParallelization = true)]
public class AsyncPipelineCollection;

/// <summary>
/// An asynchronous run computes its honest messages on helper threads (<see cref="GradientPipeline"/>) when more than one
/// thread is allowed. These tests run each scenario with the pipeline and without it and require the same bytes
/// everywhere a result shows: every message's payload as the server received it, every model the server made, the
/// metrics rows. The scenarios reach every place the run's thread waits for a computation: a computation ending
/// (ComputeDone), a worker crashing mid-computation, the attack reading the honest workers' latest messages, the end
/// of the run with messages still in flight, federated clients leaving, and Byzantine timing behaviours.
/// </summary>
[Collection(nameof(AsyncPipelineTests))]
public class AsyncPipelineTests
{
    private static readonly string[] Async = ["protocol.kind=async", "evaluation.every=50"];

    public static TheoryData<string, string[]> Scenarios => new()
    {
        // The scale benchmark's run in small: many workers, honest only, async SGD.
        { "honest", [.. Async, "workers.count=200", "byzantine.count=0", "defences=[\"async-sgd\"]", "budget.steps=3000"] },
        // An omniscient attack (reads the honest workers' latest messages: every computation handed over must end first).
        { "alie", [.. Async, "byzantine.attack=alie", "defences=[\"async-sgd\"]", "budget.steps=600"] },
        // Crashes while computing (the message is dropped, its payload returned) and recoveries; a bounded staleness.
        { "crashes", [.. Async, "byzantine.count=0", "defences=[\"async-sgd\"]", "budget.steps=600", "protocol.maxStaleness=30",
            "workers.availability=[" + string.Join(",", Enumerable.Range(0, 20).Select(w =>
                $"{{\"worker\":{w},\"crash\":\"{5 + 7 * w}ms\",\"recover\":\"{9 + 11 * w}ms\"}}")) + "]"] },
        // Worker momentum and local steps (worker state carried from one message to the next), Zeno++ deciding per message.
        { "momentum+local", [.. Async, "byzantine.attack=sign-flip:s=4", "optimizer.workerMomentum=0.9", "optimizer.localSteps=3",
            "defences=[\"zeno++\"]", "budget.steps=300"] },
        // A synchronous rule in buffered mode over an MLP (per-thread scratch in the model), an attack on the honest mean.
        { "mlp buffered", [.. Async, "task.model=mlp:hidden=16", "task.data=gaussian-mixture:classes=4,features=64,train=2000,test=200,separation=3",
            "task.augmentation=none", "protocol.asyncBuffer=8", "byzantine.attack=sign-flip:s=1,of=mean", "defences=[\"median\"]", "budget.steps=80"] },
        // Byzantine timing behaviours (old models, extra delay, bursts), computed on the run's thread, beside pipelined honest ones.
        { "behaviour", [.. Async, "byzantine.behaviour=stale:versions=5+burst:k=3", "byzantine.attack=sign-flip:s=4", "defences=[\"async-sgd\"]", "budget.steps=600"] },
        // Federated clients: a client leaves when its message leaves (its model goes back to the pool).
        { "federated", [.. Async, "federation={\"clients\":500,\"perRound\":20,\"byzantine\":0.2}", "byzantine.attack=sign-flip:s=4",
            "defences=[\"fedasync\"]", "budget.steps=400"] },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Run_PipelinedAndSequential_SameBytes(string name, string[] sets)
    {
        var sequential = RunWith(sets, pipeline: false);
        var pipelined = RunWith(sets, pipeline: true);

        Assert.Equal(0, sequential.Pipelined);
        // The run's thread left every handed-over message to the helpers (helpersOnly): counts, not timing.
        Assert.True(pipelined.Pipelined > 0, $"{name}: no message was handed over");
        Assert.Equal(pipelined.Pipelined, pipelined.ComputedByHelpers);
        Assert.Equal(sequential.Steps, pipelined.Steps);
        Assert.Equal(sequential.Arrivals.Count, pipelined.Arrivals.Count);
        for (int i = 0; i < sequential.Arrivals.Count; i++)
        {
            Assert.Equal(sequential.Arrivals[i].Id, pipelined.Arrivals[i].Id);
            Assert.True(sequential.Arrivals[i].Bytes.AsSpan().SequenceEqual(pipelined.Arrivals[i].Bytes), $"{name}: payload of message {sequential.Arrivals[i].Id} differs");
        }
        Assert.Equal(sequential.Models.Count, pipelined.Models.Count);
        for (int i = 0; i < sequential.Models.Count; i++) Assert.True(sequential.Models[i].AsSpan().SequenceEqual(pipelined.Models[i]), $"{name}: model {i + 1} differs");
        Assert.Equal(sequential.Rows, pipelined.Rows);
        Assert.Equal(sequential.Dropped, pipelined.Dropped);
        Assert.Equal(0, GradientPipeline.ActiveRuns);
        Assert.Equal(0, pipelined.Outstanding);
        // Every run ends with messages in flight (dropped at the end); the crashes drop messages mid-computation too.
        Assert.NotEmpty(sequential.Dropped);
        if (name == "crashes") Assert.Contains(sequential.Reasons, r => r.Contains("crashed", StringComparison.Ordinal));
    }

    /// <summary>Without observers the engine recycles message objects and payloads as soon as their fate is decided: the
    /// final model and the metrics rows are the same with and without the pipeline there too.</summary>
    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Run_WithoutObservers_SameModelAndRows(string name, string[] sets)
    {
        var (sequentialModel, sequentialRows, _) = RunBare(sets, pipeline: false);
        var (pipelinedModel, pipelinedRows, helpers) = RunBare(sets, pipeline: true);
        Assert.True(helpers > 0, $"{name}: no message was computed on a helper thread");
        Assert.True(sequentialModel.AsSpan().SequenceEqual(pipelinedModel), $"{name}: final model differs");
        Assert.Equal(sequentialRows, pipelinedRows);
    }

    private static (float[] Model, List<MetricsRow> Rows, long Helpers) RunBare(string[] sets, bool pipeline)
    {
        var scenario = ScenarioLoader.Load("default", sets);
        var run = new TrainingRun(ScenarioBuilder.Build(scenario), scenario.Defences[0], null, int.MaxValue, inPlaceRounds: true, asyncPipeline: pipeline);
        var result = TwoThreads(() => run.Run(), helpersOnly: pipeline);
        return (run.Parameters.ToArray(), result.Rows.ToList(), run.ComputedByHelpers);
    }

    /// <summary>The choice without an override: the pipeline with more than one thread, none with one.</summary>
    [Fact]
    public void Pipeline_ChosenByThreadCount()
    {
        string[] sets = [.. Async, "byzantine.count=0", "defences=[\"async-sgd\"]", "budget.steps=200"];
        int saved = ChunkRunner.MaxThreads;
        try
        {
            ChunkRunner.MaxThreads = 1;
            Assert.Equal(0, RunWith(sets, pipeline: null).Pipelined);
            ChunkRunner.MaxThreads = 2;
            Assert.True(RunWith(sets, pipeline: null).Pipelined > 0);
        }
        finally
        {
            ChunkRunner.MaxThreads = saved;
        }
    }

    /// <summary>
    /// A job that arrives while a helper is on its way to sleep (after its spinning, before its last look at the queue) is
    /// run, not dropped. The test holds every helper in that window until a job is queued, so each idle moment of a
    /// helpers-only run meets the race; with the job dropped (as before this was fixed: the CI hang of 2026-12-02 in
    /// <see cref="FailingComputation_SameErrorAndStep_PipelinedOrNot"/>) the run's thread waits forever, so the run goes on
    /// a task with a time limit.
    /// </summary>
    [Fact]
    public async Task HelperOnItsWayToSleep_RunsAJobArrivingThen()
    {
        string[] sets = [.. Async, "byzantine.count=0", "defences=[\"async-sgd\"]", "budget.steps=300"];
        var scenario = ScenarioLoader.Load("default", sets);
        var run = new TrainingRun(ScenarioBuilder.Build(scenario), scenario.Defences[0], [], int.MaxValue, inPlaceRounds: true, asyncPipeline: true);
        int heldUntilAJobCame = 0;
        GradientPipeline.Helpers.BeforeLastLook = () =>
        {
            long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20; // at most 50 ms, so an idle helper still sleeps
            while (GradientPipeline.Helpers.QueuedCount == 0 && Stopwatch.GetTimestamp() < until) Thread.Yield();
            if (GradientPipeline.Helpers.QueuedCount > 0) Interlocked.Increment(ref heldUntilAJobCame);
        };
        try
        {
            var task = Task.Run(() => TwoThreads(() => run.Run(), helpersOnly: true));
            var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(ReferenceEquals(finished, task), "the run waited for a job a helper had dropped");
            Assert.Equal(300, (await task).Steps);
        }
        finally
        {
            GradientPipeline.Helpers.BeforeLastLook = null;
        }
        Assert.True(heldUntilAJobCame > 0, "no job arrived in the window: the test tested nothing");
        Assert.True(run.ComputedByHelpers > 0);
    }

    /// <summary>An honest computation that throws fails the run at the same step, with the same exception and after the
    /// same observed events, whether it ran on a helper thread or on the run's thread; and the run leaves no computation behind.</summary>
    [Fact]
    public void FailingComputation_SameErrorAndStep_PipelinedOrNot()
    {
        var sequential = RunFailing(pipeline: false, helpersOnly: false);
        Assert.Equal("worker model 5: gradient 30 fails", sequential.Error);
        foreach (bool helpersOnly in new[] { true, false })
        {
            var pipelined = RunFailing(pipeline: true, helpersOnly);
            Assert.Equal(sequential.Error, pipelined.Error);
            Assert.Equal(sequential.Steps, pipelined.Steps);
            Assert.Equal(sequential.Arrivals, pipelined.Arrivals);
            Assert.Equal(0, pipelined.Outstanding);
            Assert.Equal(0, GradientPipeline.ActiveRuns);
        }
    }

    private static (string Error, long Steps, int Arrivals, long Helpers, int Outstanding) RunFailing(bool pipeline, bool helpersOnly)
    {
        int clones = 0;
        var setup = InProcessPlugins.Resolve(
            r => r.AddModel(new ComponentInfo("failing", "softmax whose 5th clone throws at its 30th gradient", "test", "any", []),
                _ => (features, classes) => new FailingModel(new SoftmaxRegressionModel(features, classes), () => ++clones, failClone: 5, failAt: 30)),
            "task.model=failing", "protocol.kind=async", "byzantine.count=0", "defences=[\"async-sgd\"]", "budget.steps=2000", "evaluation.every=50");
        var recorder = new Recorder();
        var run = new TrainingRun(setup, "async-sgd", [recorder], int.MaxValue, inPlaceRounds: true, asyncPipeline: pipeline);
        var error = Assert.Throws<InvalidOperationException>(() => TwoThreads(() => run.Run(), helpersOnly));
        return (error.Message, run.Steps, recorder.Arrivals.Count, run.ComputedByHelpers, run.OutstandingComputations);
    }

    /// <summary>Softmax whose clone number <c>failClone</c> (clones are made in a fixed order: the workers', then the
    /// server's) throws at its own <c>failAt</c>-th gradient: which message fails is fixed by the seed.</summary>
    private sealed class FailingModel(IModel inner, Func<int> nextClone, int failClone, int failAt, int number = 0) : IModel
    {
        private int _gradients;

        public string Spec => "failing";

        public int ParameterCount => inner.ParameterCount;

        public void Initialize(Span<float> parameters, RandomStream rng) => inner.Initialize(parameters, rng);

        public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
        {
            if (number == failClone && ++_gradients == failAt) throw new InvalidOperationException($"worker model {number}: gradient {failAt} fails");
            return inner.LossAndGradient(parameters, data, rows, gradient);
        }

        public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => inner.Loss(parameters, data, rows);

        public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => inner.Evaluate(parameters, data, rows);

        public IModel Clone() => new FailingModel(inner.Clone(), nextClone, failClone, failAt, nextClone());
    }

    /// <summary>A cancelled run waits for its handed-over computations and no longer counts as active.</summary>
    [Fact]
    public void CancelledRun_LeavesNothingRunning()
    {
        var scenario = ScenarioLoader.Load("default", [.. Async, "byzantine.count=0", "workers.count=200", "defences=[\"async-sgd\"]", "budget.steps=1000000"]);
        var run = new TrainingRun(ScenarioBuilder.Build(scenario), scenario.Defences[0], null, int.MaxValue, inPlaceRounds: true, asyncPipeline: true);
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => TwoThreads(() => run.Run(steps => { if (steps == 2000) cancel.Cancel(); }, cancel.Token), helpersOnly: true));
        Assert.True(run.ComputedByHelpers > 0);
        Assert.Equal(0, run.OutstandingComputations);
        Assert.Equal(0, GradientPipeline.ActiveRuns);
    }

    private static Outcome RunWith(string[] sets, bool? pipeline)
    {
        var scenario = ScenarioLoader.Load("default", sets);
        var recorder = new Recorder();
        var run = new TrainingRun(ScenarioBuilder.Build(scenario), scenario.Defences[0], [recorder], int.MaxValue, inPlaceRounds: true, asyncPipeline: pipeline);
        var result = pipeline is null ? run.Run() : TwoThreads(() => run.Run(), helpersOnly: pipeline == true);
        return new Outcome(result.Steps, recorder.Arrivals, recorder.Models, result.Rows.ToList(), recorder.Dropped, recorder.Reasons, run.PipelinedMessages, run.ComputedByHelpers, run.OutstandingComputations);
    }

    /// <summary>Runs <paramref name="action"/> with two threads allowed (a forced pipeline hands messages over only while
    /// fewer async runs are active than threads are allowed; on a one-core machine that would be never).</summary>
    private static T TwoThreads<T>(Func<T> action, bool helpersOnly = false)
    {
        int saved = ChunkRunner.MaxThreads;
        try
        {
            ChunkRunner.MaxThreads = Math.Max(2, saved);
            GradientPipeline.RunThreadTakesQueuedJobs = !helpersOnly;
            return action();
        }
        finally
        {
            ChunkRunner.MaxThreads = saved;
            GradientPipeline.RunThreadTakesQueuedJobs = true;
        }
    }

    private sealed record Outcome(long Steps, List<Arrival> Arrivals, List<byte[]> Models, List<MetricsRow> Rows, List<long> Dropped, List<string> Reasons, long Pipelined,
        long ComputedByHelpers, int Outstanding);

    private sealed record Arrival(long Id, byte[] Bytes);

    private sealed class Recorder : ISimulationObserver
    {
        public List<Arrival> Arrivals { get; } = [];

        public List<byte[]> Models { get; } = [];

        public List<long> Dropped { get; } = [];

        public List<string> Reasons { get; } = [];

        public void Arrived(SimTime time, long sequence, MessageInfo message, ReadOnlySpan<float> payload, long serverVersion)
            => Arrivals.Add(new Arrival(message.Id, Bytes(payload)));

        public void ModelUpdated(SimTime time, long version, ReadOnlySpan<float> parameters) => Models.Add(Bytes(parameters));

        public void Resolved(SimTime time, MessageInfo message)
        {
            if (message.Fate != MessageFate.Dropped) return;
            Dropped.Add(message.Id);
            Reasons.Add(message.Reason ?? "");
        }

        private static byte[] Bytes(ReadOnlySpan<float> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();
    }
}
