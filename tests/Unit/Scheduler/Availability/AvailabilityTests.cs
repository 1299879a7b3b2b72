using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Scheduler.Availability;

public class AvailabilityScheduleTests
{
    private static SimTime Ms(long ms) => SimTime.FromMilliseconds(ms);

    private static readonly AvailabilitySchedule Schedule = new([new(Ms(10), Ms(20)), new(Ms(50), Ms(60)), new(Ms(100), SimTime.MaxValue)]);

    [Theory]
    [InlineData(0, true)]
    [InlineData(9, true)]
    [InlineData(10, false)]
    [InlineData(19, false)]
    [InlineData(20, true)]
    [InlineData(55, false)]
    [InlineData(60, true)]
    [InlineData(99, true)]
    [InlineData(100, false)]
    [InlineData(1_000_000, false)]
    public void IsUp_AtBoundaries_CrashIsDownRecoveryIsUp(long ms, bool up)
        => Assert.Equal(up, Schedule.IsUp(Ms(ms)));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(10, 20)]
    [InlineData(15, 20)]
    [InlineData(20, 20)]
    [InlineData(59, 60)]
    [InlineData(70, 70)]
    public void NextUp_GivesTimeItselfOrEndOfOutage(long ms, long expectedMs)
        => Assert.Equal(Ms(expectedMs), Schedule.NextUp(Ms(ms)));

    [Fact]
    public void NextUp_DuringPermanentCrash_IsNever()
        => Assert.Equal(SimTime.MaxValue, Schedule.NextUp(Ms(150)));

    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, 10)]
    [InlineData(11, 50)]
    [InlineData(60, 100)]
    [InlineData(100, 100)]
    public void NextCrash_GivesEarliestCrashAtOrAfter(long ms, long expectedMs)
        => Assert.Equal(Ms(expectedMs), Schedule.NextCrash(Ms(ms)));

    [Fact]
    public void NextCrash_AfterLastCrash_IsNever()
        => Assert.Equal(SimTime.MaxValue, Schedule.NextCrash(Ms(101)));

    [Fact]
    public void AlwaysUp_IsUpForever()
    {
        Assert.True(AvailabilitySchedule.AlwaysUp.IsUp(Ms(5)));
        Assert.Equal(SimTime.MaxValue, AvailabilitySchedule.AlwaysUp.NextCrash(SimTime.Zero));
        Assert.Equal("none", AvailabilitySchedule.AlwaysUp.ToString());
    }

    [Fact]
    public void Constructor_Unsorted_Throws()
    {
        var e = Assert.Throws<SimByzException>(() => new AvailabilitySchedule([new(Ms(50), Ms(60)), new(Ms(10), Ms(20))]));
        Assert.Contains("outage 2", e.Message);
    }

    [Fact]
    public void Constructor_OverlappingOrTouching_Throws()
    {
        Assert.Throws<SimByzException>(() => new AvailabilitySchedule([new(Ms(10), Ms(30)), new(Ms(20), Ms(40))]));
        Assert.Throws<SimByzException>(() => new AvailabilitySchedule([new(Ms(10), Ms(20)), new(Ms(20), Ms(40))]));
    }

    [Fact]
    public void Constructor_EmptyOrNegativeOrAfterPermanent_Throws()
    {
        Assert.Throws<SimByzException>(() => new AvailabilitySchedule([new(Ms(10), Ms(10))]));
        Assert.Throws<SimByzException>(() => new AvailabilitySchedule([new(Ms(-1), Ms(10))]));
        var e = Assert.Throws<SimByzException>(() => new AvailabilitySchedule([new(Ms(10), SimTime.MaxValue), new(Ms(20), Ms(30))]));
        Assert.Contains("never recovers", e.Message);
    }

    [Fact]
    public void Parse_TextForm_RoundTrips()
    {
        var s = AvailabilitySchedule.Parse("10ms..20ms; 50ms..60ms;100ms..");
        Assert.Equal(Schedule.Outages, s.Outages);
        Assert.Equal("10ms..20ms;50ms..60ms;100ms..", s.ToString());
        Assert.Same(AvailabilitySchedule.AlwaysUp, AvailabilitySchedule.Parse("none"));
    }

    [Theory]
    [InlineData("10ms-20ms", "is not CRASH..RECOVER")]
    [InlineData("ten..20ms", "crash time")]
    [InlineData("10ms..2x", "recovery time")]
    [InlineData("10ms..20ms;15ms..30ms", "must start after")]
    public void Parse_Malformed_ThrowsNamingTheProblem(string text, string expected)
        => Assert.Contains(expected, Assert.Throws<SimByzException>(() => AvailabilitySchedule.Parse(text)).Message);
}

public class RandomAvailabilityTests
{
    [Fact]
    public void Build_SameStream_AnswersIndependentOfQueryOrder()
    {
        var options = new RandomAvailabilityOptions(1.0, 0.1);
        var forward = options.Build(new RandomStream(5));
        var backward = options.Build(new RandomStream(5));
        var times = Enumerable.Range(0, 200).Select(i => SimTime.FromMilliseconds(i * 97)).ToArray();
        var fromBackward = times.Reverse().Select(t => (backward.IsUp(t), backward.NextUp(t), backward.NextCrash(t))).Reverse().ToArray();
        var fromForward = times.Select(t => (forward.IsUp(t), forward.NextUp(t), forward.NextCrash(t))).ToArray();
        Assert.Equal(fromForward, fromBackward);
    }

    [Fact]
    public void Build_FirstOutage_FollowsTheDocumentedDrawOrder()
    {
        var model = new RandomAvailabilityOptions(2.0, 0.5).Build(new RandomStream(8));
        var twin = new RandomStream(8);
        var up = SimTime.FromSeconds(-2.0 * DetMath.Log(twin.NextDoubleNonZero()));
        var down = SimTime.FromSeconds(-0.5 * DetMath.Log(twin.NextDoubleNonZero()));
        Assert.True(model.IsUp(SimTime.Zero));
        Assert.Equal(up, model.NextCrash(SimTime.Zero));
        Assert.False(model.IsUp(up));
        Assert.Equal(up + down, model.NextUp(up));
    }

    [Fact]
    public void LongRun_FractionUp_IsNearUpOverCycle()
    {
        // Expected fraction 1/(1+0.25) = 0.8; 10 000 cycles give a standard error well below 0.005.
        var model = new RandomAvailabilityOptions(1.0, 0.25).Build(new RandomStream(21));
        int up = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++) up += model.IsUp(SimTime.FromMilliseconds(i * 125L)) ? 1 : 0;
        Assert.InRange(up / (double)n, 0.77, 0.83);
    }

    [Fact]
    public void QueriesBeyondHorizon_TerminateAndReportUp()
    {
        var model = new RandomAvailabilityOptions(1.0, 0.25).Build(new RandomStream(1));
        Assert.True(model.IsUp(SimTime.MaxValue));
        Assert.Equal(SimTime.MaxValue, model.NextCrash(SimTime.MaxValue));
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, -1.0)]
    [InlineData(double.NaN, 1.0)]
    public void Options_InvalidMeans_Throw(double up, double down)
        => Assert.Throws<SimByzException>(() => new RandomAvailabilityOptions(up, down));
}
