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
    [InlineData(90_000_000_000L, "1.5min")]
    [InlineData(123_456_789_012L, "123.456789012s")]
    [InlineData(5_400_000_000_000L, "1.5h")]
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

    [Fact]
    public void Arithmetic_AndComparisons_AreExactIntegerOperations()
    {
        var a = SimTime.FromMilliseconds(3);
        var b = SimTime.FromMicroseconds(250);
        Assert.Equal(3_250_000L, (a + b).Nanoseconds);
        Assert.Equal(2_750_000L, (a - b).Nanoseconds);
        Assert.Equal(9_000_000L, (a * 3).Nanoseconds);
        Assert.True(b < a && a > b && a >= b && b <= a && a != b && a == SimTime.FromMilliseconds(3));
        Assert.Equal(a, SimTime.Max(a, b));
        Assert.Equal(b, SimTime.Min(a, b));
        Assert.Equal(1, a.CompareTo(b));
        Assert.Equal(0.003, a.TotalSeconds);
    }

    [Fact]
    public void Addition_Overflow_ThrowsAUserError()
    {
        var ex = Assert.Throws<SimTimeOverflowException>(() => SimTime.MaxValue + new SimTime(1));
        Assert.IsAssignableFrom<SimByzException>(ex);
        Assert.Contains("292 years", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(long.MaxValue, 1)]
    [InlineData(long.MinValue, -1)]
    [InlineData(1L << 62, 1L << 62)]
    [InlineData(-(1L << 62), -(1L << 62) - 1)]
    public void Addition_PastTheRange_NeverWraps(long a, long b)
        => Assert.Throws<SimTimeOverflowException>(() => new SimTime(a) + new SimTime(b));

    [Theory]
    [InlineData(long.MinValue, 1)]
    [InlineData(long.MaxValue, -1)]
    [InlineData(0, long.MinValue)]
    public void Subtraction_PastTheRange_NeverWraps(long a, long b)
        => Assert.Throws<SimTimeOverflowException>(() => new SimTime(a) - new SimTime(b));

    [Theory]
    [InlineData(long.MaxValue, 0, long.MaxValue)]
    [InlineData(long.MinValue, 0, long.MinValue)]
    [InlineData(-5, long.MaxValue, long.MaxValue - 5)]
    [InlineData(1L << 62, -(1L << 62), 0)]
    public void AdditionAndSubtraction_AtTheEdges_AreExact(long a, long b, long sum)
    {
        Assert.Equal(sum, (new SimTime(a) + new SimTime(b)).Nanoseconds);
        Assert.Equal(a, (new SimTime(sum) - new SimTime(b)).Nanoseconds);
    }

    [Fact]
    public void Multiplication_PastTheRange_NeverWraps()
    {
        Assert.Throws<SimTimeOverflowException>(() => new SimTime(1L << 32) * (1L << 31));
        Assert.Throws<SimTimeOverflowException>(() => new SimTime(-1) * long.MinValue);
        Assert.Equal(long.MinValue, (new SimTime(1) * long.MinValue).Nanoseconds);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-9)]
    [InlineData(0.0025)]
    [InlineData(123.456789012)]
    public void ToString_ThenParse_RoundTripsFromSeconds(double seconds)
    {
        var t = SimTime.FromSeconds(seconds);
        Assert.Equal(t, SimTime.Parse(t.ToString()));
    }

    [Fact]
    public void FromSeconds_TiesRoundAwayFromZero()
    {
        Assert.Equal(3L, SimTime.FromSeconds(2.5e-9).Nanoseconds);
        Assert.Equal(-3L, SimTime.FromSeconds(-2.5e-9).Nanoseconds);
        Assert.Throws<ArgumentOutOfRangeException>(() => SimTime.FromSeconds(1e10));
    }
}
