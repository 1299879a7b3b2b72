using SimByz.Cli.Progress;
using SimByz.Scheduler;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using Xunit;

namespace SimByz.Tests.Unit.Cli.Progress;

public class ProgressDisplayTests
{
    private static Scenario With(params string[] sets) => ScenarioLoader.Load("default", sets);

    [Fact]
    public void Fraction_TimeBudget_FollowsSimulatedTimeNotSteps()
    {
        // A time budget alone: one step must not read as done.
        Assert.Equal(0.25, Experiment.Fraction(steps: 1, nowNs: 1_000_000_000, stepBudget: 0, timeBudgetNs: 4_000_000_000));
        Assert.Equal(0.5, Experiment.Fraction(steps: 50, nowNs: 0, stepBudget: 100, timeBudgetNs: null));
        Assert.Equal(0.75, Experiment.Fraction(steps: 10, nowNs: 3_000_000_000, stepBudget: 100, timeBudgetNs: 4_000_000_000)); // whichever ends first
    }

    [Fact]
    public void Plain_PrintsLinesAtIntervalAndEnd_WithStepsSimTimeElapsedEta()
    {
        var error = new StringWriter();
        var display = new ProgressDisplay(ProgressMode.Plain, TextWriter.Synchronized(error), TimeSpan.FromMilliseconds(50));
        var scenario = With("budget.steps=0", "budget.time=\"4s\"");
        var report = display.Start("demo", scenario);
        for (int i = 0; i < scenario.Defences.Count; i++) report(new DefenceProgress(i, 10, SimTime.FromSeconds(1)));
        // The display prints from a thread-pool timer; with the other test classes running beside this one the pool can be busy
        // for seconds (a clean-clone CI run once saw no line within 5 s), so wait up to 30 s; the loop ends at the first tick.
        for (int wait = 0; wait < 1200 && error.ToString().Split('\n').Length < 3; wait++) Thread.Sleep(25);
        display.Finish();
        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 3, $"expected a header, a tick and the stop line within 30 s, got: {error}");
        Assert.StartsWith("demo: 4 defence(s) × 4s simulated", lines[0], StringComparison.Ordinal);
        string tick = lines[1];
        Assert.Contains("25%", tick, StringComparison.Ordinal);
        Assert.Contains("steps 40", tick, StringComparison.Ordinal);
        Assert.Contains("sim 1 s/4 s", tick, StringComparison.Ordinal);
        Assert.Contains("elapsed", tick, StringComparison.Ordinal);
        Assert.Contains("ETA", tick, StringComparison.Ordinal);
        Assert.StartsWith("demo: stopped", lines[^1], StringComparison.Ordinal);
        int count = error.ToString().Length;
        Thread.Sleep(200);
        Assert.Equal(count, error.ToString().Length); // the timer stopped
    }

    [Fact]
    public void Plain_RunShorterThanInterval_PrintsNothing()
    {
        var error = new StringWriter();
        var display = new ProgressDisplay(ProgressMode.Plain, error, TimeSpan.FromSeconds(30));
        display.Start("demo", With())(new DefenceProgress(0, 1, SimTime.Zero, Done: true));
        display.Finish();
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void Line_AllDone_IsHundredPercent()
    {
        var s = new ExperimentSnapshot(Count: 2, Done: 2, Steps: 200, StepBudget: 100, MeanNow: 2e9, TimeBudgetNs: null, Fraction: 1);
        string line = ProgressDisplay.Line("x", s, TimeSpan.FromSeconds(3));
        Assert.Contains("100%", line, StringComparison.Ordinal);
        Assert.Contains("steps 200/200", line, StringComparison.Ordinal);
        Assert.Contains("ETA 0.0 s", line, StringComparison.Ordinal);
    }

    [Fact]
    public void For_Quiet_ShowsNothing()
    {
        var error = new StringWriter();
        var display = ProgressDisplay.For(error, quiet: true);
        Assert.Equal(ProgressMode.None, display.Mode);
        display.Start("demo", With())(new DefenceProgress(0, 1, SimTime.Zero));
        display.Finish();
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void For_RedirectedWriter_IsPlain()
        => Assert.Equal(ProgressMode.Plain, ProgressDisplay.For(new StringWriter(), quiet: false).Mode);

    [Theory]
    [InlineData(null, 10.0)]
    [InlineData("", 10.0)]
    [InlineData("  ", 10.0)]
    [InlineData("2.5", 2.5)]
    [InlineData("86400", 86400.0)]
    public void ParseInterval_UnsetOrASecondsCountInRange_IsTaken(string? text, double seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), ProgressDisplay.ParseInterval(text));

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e300")]
    [InlineData("86400.5")]
    public void ParseInterval_AnythingElse_IsRefusedNamingTheVariable(string text)
    {
        var error = Assert.Throws<SimByz.SimByzException>(() => ProgressDisplay.ParseInterval(text));
        Assert.Equal($"SIMBYZ_PROGRESS_INTERVAL '{text}': expected a number of seconds in (0, 86400]", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.25)]
    [InlineData(86400.0)]
    public void ParseSweepInterval_ZeroToADay_IsTaken(double seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), ProgressDisplay.ParseSweepInterval(seconds));

    [Theory]
    [InlineData(-3.0, "-3")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(1e300, "1E+300")]
    public void ParseSweepInterval_OutOfRange_IsRefusedInsteadOfClampedOrCrashing(double seconds, string shown)
    {
        var error = Assert.Throws<SimByz.SimByzException>(() => ProgressDisplay.ParseSweepInterval(seconds));
        Assert.Equal($"--progress-interval '{shown}': expected a number of seconds in [0, 86400]", error.Message);
    }
}
