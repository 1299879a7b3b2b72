using SimByz;
using SimByz.Scheduler;
using SimByz.Simulator.Data.Sampling;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Sampling;

public class MinibatchSamplerTests
{
    private static readonly int[] Shard = Enumerable.Range(100, 10).ToArray();

    [Fact]
    public void Next_DropLast_EpochIsDistinctRowsAndRemainderDropped()
    {
        var s = new MinibatchSampler(Shard, 3, new RandomStream(1));
        for (int epoch = 0; epoch < 4; epoch++)
        {
            var seen = new List<int>();
            for (int b = 0; b < 3; b++) seen.AddRange(s.Next().ToArray());
            Assert.Equal(epoch, s.Epoch);
            Assert.Equal(9, seen.Distinct().Count());
            Assert.All(seen, r => Assert.Contains(r, Shard));
        }
    }

    [Fact]
    public void Next_Straddle_EveryRowOncePerEpoch()
    {
        var s = new MinibatchSampler(Shard, 4, new RandomStream(2), EpochEnd.Straddle);
        var all = new List<int>();
        for (int b = 0; b < 10; b++) all.AddRange(s.Next().ToArray()); // 40 rows = 4 epochs
        for (int e = 0; e < 4; e++) Assert.Equal(Shard, all.Skip(10 * e).Take(10).Order());
    }

    [Fact]
    public void Next_EpochsAreReshuffled_AndSameSeedSameSequence()
    {
        var a = MinibatchSampler.ForWorker(9, 3, Shard, 10);
        var b = MinibatchSampler.ForWorker(9, 3, Shard, 10);
        var other = MinibatchSampler.ForWorker(9, 4, Shard, 10);
        var first = a.Next().ToArray();
        var second = a.Next().ToArray();
        Assert.NotEqual(first, second);
        Assert.Equal(Shard, first.Order());
        Assert.Equal(first, b.Next().ToArray());
        Assert.NotEqual(first, other.Next().ToArray());
        Assert.NotEqual(first, MinibatchSampler.ForServerValidation(9, Shard, 10).Next().ToArray());
    }

    [Fact]
    public void Constructor_BatchLargerThanRows_UsesWholeSet()
    {
        var s = new MinibatchSampler(Shard, 64, new RandomStream(3));
        Assert.Equal(10, s.BatchSize);
        Assert.Equal(Shard, s.Next().ToArray().Order());
    }

    [Fact]
    public void Constructor_EmptyRowsOrBadBatch_Throws()
    {
        Assert.Contains("no rows", Assert.Throws<SimByzException>(() => new MinibatchSampler([], 3, new RandomStream(1))).Message, StringComparison.Ordinal);
        Assert.Contains("batch size 0", Assert.Throws<SimByzException>(() => new MinibatchSampler(Shard, 0, new RandomStream(1))).Message, StringComparison.Ordinal);
    }
}
