using SimByz.Aggregation.Rules;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Simulator;

/// <summary>The pipeline properties set the process-wide thread count and count active runs: they run alone.</summary>
[CollectionDefinition(nameof(AsyncPipelineProperties), DisableParallelization = true)]
public class AsyncPipelinePropertiesCollection;

/// <summary>
/// Asynchronous runs compute honest messages on helper threads (<see cref="GradientPipeline"/>); no result may depend on it.
/// </summary>
[Collection(nameof(AsyncPipelineProperties))]
public class AsyncPipelineProperties
{
    /// <summary>
    /// Any asynchronous scenario of the simulator's generator (n in 2..7, any q, every delay family, seven attacks among them
    /// omniscient ones, async SGD / Zeno++ / buffered median, bounded or unbounded staleness; a synchronous case is made
    /// asynchronous with async SGD; every case runs ten times its steps) gives the same trace, byte for byte — every
    /// dispatch, completion, arrival with its payload hash, fate, update with its model hash, evaluation point — whether its
    /// honest messages are handed to helper threads or computed on the run's thread.
    /// </summary>
    [BudgetedProperty(Divisor = 4, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Trace_AnyAsyncScenario_SameBytesWithOrWithoutHelperThreads(ScenarioCase c)
    {
        var a = c.Async ? c with { Steps = 10 * c.Steps } : c with { Async = true, Defence = "async-sgd", AsyncBuffer = 0, Steps = 10 * c.Steps };
        var scenario = SimulatorInvariantProperties.ScenarioOf(a);
        var setup = ScenarioBuilder.Build(scenario);
        int saved = ChunkRunner.MaxThreads;
        try
        {
            ChunkRunner.MaxThreads = 2;
            string sequential = Trace(pipeline: false, out long none);
            string pipelined = Trace(pipeline: true, out long handedOver);
            Assert.Equal(0, none);
            Assert.Equal(sequential, pipelined);
            // Alone in the process, a run with an honest worker hands its first message over (which thread then computes
            // it is timing).
            if (a.Byzantine < a.Workers) Assert.True(handedOver > 0, $"no message handed over: {a}");
        }
        finally
        {
            ChunkRunner.MaxThreads = saved;
        }

        string Trace(bool pipeline, out long handed)
        {
            var recorder = new TraceRecorder(scenario.Defences[0], 0);
            var run = new TrainingRun(setup, scenario.Defences[0], [recorder], int.MaxValue, inPlaceRounds: true, asyncPipeline: pipeline);
            run.Run();
            handed = run.PipelinedMessages;
            return string.Join("\n", recorder.Lines);
        }
    }
}
