using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Scheduler;

public class SimTimeTests
{
    [Theory]
    [InlineData("1.5ms", 1_500_000L)]
    [InlineData("0ns", 0L)]
    [InlineData("2s", 2_000_000_000L)]
    [InlineData("250us", 250_000L)]
    [InlineData("1min", 60_000_000_000L)]
    [InlineData("-3ns", -3L)]
    public void Parse_ValidText_GivesExactNanoseconds(string text, long ns)
        => Assert.Equal(ns, SimTime.Parse(text).Nanoseconds);

    [Theory]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(0L, "0ns")]
    [InlineData(999L, "999ns")]
    [InlineData(1_000_000_001L, "1.000000001s")]
    public void ToString_PicksLargestUnit_AndRoundTrips(long ns, string text)
    {
        Assert.Equal(text, new SimTime(ns).ToString());
        Assert.Equal(ns, SimTime.Parse(text).Nanoseconds);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("ms")]
    [InlineData("1.5 parsecs")]
    [InlineData("0.5ns")]
    public void Parse_Malformed_Throws(string text) => Assert.Throws<FormatException>(() => SimTime.Parse(text));

    [Fact]
    public void FromSeconds_RoundsOnceToNearestNanosecond()
    {
        Assert.Equal(1_234_567_891L, SimTime.FromSeconds(1.2345678905).Nanoseconds);
        Assert.Throws<ArgumentOutOfRangeException>(() => SimTime.FromSeconds(double.NaN));
    }
}
