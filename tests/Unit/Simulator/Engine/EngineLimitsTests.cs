using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

/// <summary>
/// The engine's arithmetic and termination at the edges: caps that saturate instead of wrapping, a clock
/// that stops advancing under a time-only budget, and delay draws that would carry simulated time past its range.
/// </summary>
public class EngineLimitsTests
{
    private static Scenario Small(params string[] sets) => ScenarioLoader.Parse(TrainingRunTests.SmallJson, "test").With(["defences=[\"mean\"]", .. sets]);

    [Fact]
    public void MessageCap_HugeStepBudget_SaturatesInsteadOfWrapping()
    {
        Assert.Equal(40L * 9 * 50, TrainingRun.MessageCap(new BudgetOptions(Steps: 40), 9));
        // 2^62 × 20 × 50 wraps to a negative number in unchecked arithmetic.
        Assert.Equal(long.MaxValue, TrainingRun.MessageCap(new BudgetOptions(Steps: 4611686018427387904), 20));
        Assert.Equal(long.MaxValue, TrainingRun.MessageCap(new BudgetOptions(Steps: long.MaxValue), int.MaxValue));
        Assert.Equal(long.MaxValue, TrainingRun.MessageCap(new BudgetOptions(Steps: 0, Time: SimTime.FromMilliseconds(5)), 9));
        Assert.Equal(123, TrainingRun.MessageCap(new BudgetOptions(Steps: 4611686018427387904, MaxMessages: 123), 9));
    }

    [Fact]
    public void Run_HugeStepBudget_TakesStepsInsteadOfStoppingAtAWrappedCap()
    {
        var setup = ScenarioBuilder.Build(Small("budget.steps=4611686018427387904"));
        var run = new TrainingRun(setup, "mean");
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => run.Run(steps => { if (steps >= 5) cancel.Cancel(); }, cancel.Token));
        Assert.InRange(run.Steps, 5, 100);
    }

    [Fact]
    public void StallLimit_SaturatesAndGrowsWithWorkersAndBursts()
    {
        Assert.Equal(9 * (1024 + 4), TrainingRun.StallLimit(9, 1));
        Assert.Equal(9 * (1024 + 40), TrainingRun.StallLimit(9, 10));
        Assert.Equal(long.MaxValue, TrainingRun.StallLimit(int.MaxValue, int.MaxValue));
    }

    [Theory]
    [InlineData("protocol.kind=sync")]
    [InlineData("protocol.kind=async")]
    public void Run_ZeroDelaysAndTimeOnlyBudget_StopsWithClockStalledAtTheSameEventEveryTime(string protocol)
    {
        var scenario = Small(protocol, "workers.compute=\"constant:t=0ms\"", "workers.network=\"constant:t=0ms\"", "budget={\"steps\":0,\"time\":\"1s\"}");
        if (protocol.EndsWith("async", StringComparison.Ordinal)) scenario = scenario.With(["defences=[\"async-sgd\"]"]);
        long Stall()
        {
            var run = new TrainingRun(ScenarioBuilder.Build(scenario), scenario.Defences[0]);
            var error = Assert.Throws<ClockStalledException>(() => run.Run());
            Assert.Equal(SimTime.Zero, error.StalledAt);
            Assert.Contains("simulated time stopped advancing at 0ns", error.Message, StringComparison.Ordinal);
            Assert.Contains("time budget of 1s", error.Message, StringComparison.Ordinal);
            return run.EventsProcessed;
        }
        long events = Stall();
        Assert.Equal(TrainingRun.StallLimit(9, 1) + 1, events);
        Assert.Equal(events, Stall());
    }

    [Fact]
    public void Run_ZeroDelaysWithAStepBudget_IsAValidRunAtTimeZero()
    {
        var scenario = Small("workers.compute=\"constant:t=0ms\"", "workers.network=\"constant:t=0ms\"", "budget.steps=2000");
        var result = new TrainingRun(ScenarioBuilder.Build(scenario), "mean").Run();
        Assert.Equal(2000, result.Steps);
        Assert.Equal(SimTime.Zero, result.EndTime);
        Assert.Equal("steps", result.StopReason);
    }

    [Fact]
    public void Run_ZeroDelaysWithStepAndTimeBudgetsAndNoStepTaken_Stalls()
    {
        // Zeno++ with an impossible threshold rejects every message, so the step never moves while the clock stands still.
        var scenario = Small("protocol.kind=async", "defences=[\"zeno++:rho=0.001,eps=-1000000\"]",
            "workers.compute=\"constant:t=0ms\"", "workers.network=\"constant:t=0ms\"", "budget={\"steps\":10,\"time\":\"1s\"}");
        var run = new TrainingRun(ScenarioBuilder.Build(scenario), scenario.Defences[0]);
        var error = Assert.Throws<ClockStalledException>(() => run.Run());
        Assert.Contains("or its step budget of 10", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, run.Steps);
    }

    [Fact]
    public void Run_DelayPastTheClockRange_NamesTheWorkerAndTheDelaySpec()
    {
        var scenario = Small("workers.compute=\"pareto:scale=1s,alpha=0.0001\"", "budget.steps=100000");
        var run = new TrainingRun(ScenarioBuilder.Build(scenario), "mean");
        var error = Assert.Throws<DelayOverflowException>(() => run.Run());
        Assert.Equal("compute", error.Delay);
        Assert.StartsWith("pareto:", error.Spec, StringComparison.Ordinal);
        Assert.InRange(error.Worker, 0, 8);
        Assert.StartsWith($"worker {error.Worker}'s compute delay 'pareto:", error.Message, StringComparison.Ordinal);
        Assert.IsType<SimTimeOverflowException>(error.InnerException);
    }
}
