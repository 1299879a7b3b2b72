using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Partitioning;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Partitioning;

/// <summary><see cref="DataHolders.Honest"/>: the pool is split among the honest workers only.</summary>
public sealed class HonestDataHoldersTests
{
    private static Dataset Balanced(int count, int classes)
    {
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % classes;
        return new Dataset(new float[count], count, 1, labels, classes);
    }

    private static readonly bool[] FirstEightOfTwenty = [.. Enumerable.Range(0, 20).Select(i => i < 8)];

    private static DataPartition Split(string spec, IReadOnlyList<bool>? withoutData, ulong seed = 3, string validation = "0.2")
        => Partitioner.Split(Balanced(1000, 10), 20, PartitionSpec.Parse(spec), SplitSize.Parse(validation, "validation"), SplitSize.None,
            RandomStreams.Derive(seed, StreamPurpose.Partition), withoutData);

    [Theory]
    [InlineData("iid")]
    [InlineData("dirichlet:alpha=0.5")]
    [InlineData("shards:k=2")]
    public void Split_HonestOnly_ByzantineHoldNothing_HonestCoverThePoolAfterTheValidationFraction(string spec)
    {
        var p = Split(spec, FirstEightOfTwenty);
        Assert.Equal(200, p.Validation.Length); // 20 % held out
        var seen = new int[1000];
        foreach (int r in p.Validation.Span) seen[r]++;
        for (int w = 0; w < 20; w++)
        {
            if (w < 8) Assert.True(p.Shards[w].IsEmpty, $"Byzantine worker {w} holds rows");
            else Assert.False(p.Shards[w].IsEmpty);
            foreach (int r in p.Shards[w].Span) seen[r]++;
        }
        Assert.All(seen, n => Assert.Equal(1, n));
    }

    [Fact]
    public void Split_HonestOnlyIid_TwelveEqualShardsOf800Rows()
    {
        var p = Split("iid", FirstEightOfTwenty);
        for (int w = 8; w < 20; w++) Assert.InRange(p.Shards[w].Length, 66, 67); // 800 / 12
        Assert.Equal(p.Shards.Select(s => s.ToArray()), Split("iid", FirstEightOfTwenty).Shards.Select(s => s.ToArray()));
    }

    [Fact]
    public void Split_NoWorkerWithoutData_SameAsWithoutTheArgument()
    {
        var all = Split("dirichlet:alpha=0.5", null);
        var none = Split("dirichlet:alpha=0.5", new bool[20]);
        Assert.Equal(all.Validation.ToArray(), none.Validation.ToArray());
        Assert.Equal(all.Shards.Select(s => s.ToArray()), none.Shards.Select(s => s.ToArray()));
    }
}
