using SimByz.Attacks;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Attacks.Async;

public class AsyncBehaviourTests
{
    private static RandomStream Stream(ulong seed = 1) => RandomStreams.Derive(seed, StreamPurpose.Attack, 3);

    [Theory]
    [InlineData(100, 90)]
    [InlineData(10, 0)]
    [InlineData(4, 0)]
    public void StaleFixed_ReadsVersionSOldClampedAtZero(long current, long expected)
    {
        var stale = AttackCatalog.BuiltIn.CreateAsyncBehaviour("stale");
        Assert.Equal("stale:versions=10,mode=fixed", stale.Spec);
        Assert.Equal(10, stale.HistoryDepth);
        Assert.Equal(expected, stale.ModelVersionToRead(current, Stream()));
    }

    [Fact]
    public void StaleUniform_DrawsFromTheStreamWithinTheWindow()
    {
        var stale = AttackCatalog.BuiltIn.CreateAsyncBehaviour("stale:versions=5,mode=uniform");
        var rng = Stream(4);
        var replay = Stream(4);
        var seen = new HashSet<long>();
        for (int i = 0; i < 200; i++)
        {
            long v = stale.ModelVersionToRead(1000, rng);
            Assert.Equal(1000 - replay.NextInt(6), v);
            seen.Add(v);
        }
        Assert.Equal(6, seen.Count);
    }

    [Fact]
    public void DelayConstant_AddsExactlyExtra_WithoutDrawing()
    {
        var delay = AttackCatalog.BuiltIn.CreateAsyncBehaviour("delay");
        Assert.Equal("delay:extra=50ms,dist=constant", delay.Spec);
        var rng = Stream();
        Assert.Equal(SimTime.FromMilliseconds(50), delay.ExtraDelay(rng));
        Assert.Equal(Stream().NextUInt64(), rng.NextUInt64());
    }

    [Fact]
    public void DelayUniform_IsTwiceExtraTimesUniformRoundedToNanoseconds()
    {
        var delay = AttackCatalog.BuiltIn.CreateAsyncBehaviour("delay:extra=1.5ms,dist=uniform");
        var rng = Stream(8);
        var replay = Stream(8);
        for (int i = 0; i < 50; i++)
        {
            long expected = (long)Math.Round(2.0 * 1_500_000 * replay.NextDouble(), MidpointRounding.ToEven);
            Assert.Equal(expected, delay.ExtraDelay(rng).Nanoseconds);
        }
    }

    [Fact]
    public void DelayExponential_HasTheRequestedMean()
    {
        var delay = AttackCatalog.BuiltIn.CreateAsyncBehaviour("delay:extra=2ms,dist=exponential");
        var rng = Stream(12);
        double sum = 0;
        const int draws = 20_000;
        for (int i = 0; i < draws; i++) sum += delay.ExtraDelay(rng).Nanoseconds;
        Assert.InRange(sum / draws, 1_940_000, 2_060_000);
    }

    [Theory]
    [InlineData("burst", 5, BurstMode.Copies)]
    [InlineData("burst:k=3,mode=distinct", 3, BurstMode.Distinct)]
    public void Burst_ReportsSizeAndMode(string spec, int k, BurstMode mode)
    {
        var burst = AttackCatalog.BuiltIn.CreateAsyncBehaviour(spec);
        Assert.Equal(k, burst.BurstSize);
        Assert.Equal(mode, burst.BurstMode);
        Assert.Equal(SimTime.Zero, burst.ExtraDelay(Stream()));
        Assert.Equal(7, burst.ModelVersionToRead(7, Stream()));
    }

    [Fact]
    public void Chain_CombinesEachAspectFromItsMember()
    {
        var chain = AttackCatalog.BuiltIn.CreateAsyncBehaviour("stale:versions=3+delay:extra=1ms+burst:k=2,mode=distinct");
        Assert.Equal("stale:versions=3,mode=fixed+delay:extra=1ms,dist=constant+burst:k=2,mode=distinct", chain.Spec);
        Assert.Equal(3, chain.HistoryDepth);
        Assert.Equal(47, chain.ModelVersionToRead(50, Stream()));
        Assert.Equal(SimTime.FromMilliseconds(1), chain.ExtraDelay(Stream()));
        Assert.Equal(2, chain.BurstSize);
        Assert.Equal(BurstMode.Distinct, chain.BurstMode);
    }

    [Theory]
    [InlineData("stale+stale:versions=2", "appears twice")]
    [InlineData("delay:extra=fast", "'extra=fast' is invalid")]
    [InlineData("delay:extra=-1ms", "≥ 0")]
    [InlineData("burst:k=0", "'k=0' is invalid")]
    [InlineData("stale:mode=random", "fixed, uniform")]
    [InlineData("jitter", "unknown async behaviour 'jitter'")]
    [InlineData("ipm", "is a gradient attack")]
    public void Create_BadSpec_ThrowsClearMessage(string spec, string expected)
    {
        var ex = Assert.Throws<SimByzException>(() => AttackCatalog.BuiltIn.CreateAsyncBehaviour(spec));
        Assert.Contains(expected, ex.Message);
    }
}
