using SimByz;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Partitioning;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Partitioning;

public class PartitionerTests
{
    /// <summary>Balanced labels: row i has label i mod classes.</summary>
    private static Dataset Balanced(int count, int classes)
    {
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % classes;
        return new Dataset(new float[count], count, 1, labels, classes);
    }

    private static DataPartition Split(Dataset data, int workers, string spec, string validation = "0", string test = "0", ulong seed = 1)
        => Partitioner.Split(data, workers, PartitionSpec.Parse(spec), SplitSize.Parse(validation, "validation"), SplitSize.Parse(test, "test"),
            RandomStreams.Derive(seed, StreamPurpose.Partition));

    private static void AssertDisjointAndCovering(DataPartition p, int count)
    {
        var seen = new int[count];
        foreach (int r in p.Test.Span) seen[r]++;
        foreach (int r in p.Validation.Span) seen[r]++;
        foreach (var s in p.Shards)
        {
            Assert.False(s.IsEmpty);
            foreach (int r in s.Span) seen[r]++;
        }
        Assert.All(seen, n => Assert.Equal(1, n));
    }

    [Theory]
    [InlineData("iid")]
    [InlineData("dirichlet:alpha=0.1")]
    [InlineData("dirichlet:alpha=0.5,variant=per-class")]
    [InlineData("shards:k=2")]
    public void Split_AnyScheme_DisjointCoveringNonEmptyAndDeterministic(string spec)
    {
        var data = Balanced(1000, 10);
        var a = Split(data, 7, spec, validation: "0.05", test: "100");
        AssertDisjointAndCovering(a, 1000);
        Assert.Equal(100, a.Test.Length);
        Assert.Equal(50, a.Validation.Length);
        var b = Split(data, 7, spec, validation: "0.05", test: "100");
        Assert.Equal(a.Validation.ToArray(), b.Validation.ToArray());
        for (int i = 0; i < 7; i++) Assert.Equal(a.Shards[i].ToArray(), b.Shards[i].ToArray());
        var c = Split(data, 7, spec, validation: "0.05", test: "100", seed: 2);
        Assert.NotEqual(a.Validation.ToArray(), c.Validation.ToArray());
    }

    [Fact]
    public void Split_Iid_NearEqualSizes()
    {
        var p = Split(Balanced(103, 3), 10, "iid");
        Assert.Equal(new[] { 11, 11, 11, 10, 10, 10, 10, 10, 10, 10 }, p.Shards.Select(s => s.Length));
        var q = Split(Balanced(103, 3), 10, "iid", validation: "3");
        Assert.Equal(Enumerable.Repeat(10, 10), q.Shards.Select(s => s.Length));
    }

    /// <summary>Mean over workers of the total-variation distance between the worker's label mix and the global one.</summary>
    private static double Skew(DataPartition p, Dataset data)
    {
        double total = 0;
        foreach (var s in p.Shards)
        {
            var counts = new double[data.ClassCount];
            foreach (int r in s.Span) counts[data.Labels![r]]++;
            double tv = 0;
            for (int c = 0; c < counts.Length; c++) tv += Math.Abs(counts[c] / s.Length - 1.0 / data.ClassCount);
            total += tv / 2;
        }
        return total / p.Shards.Count;
    }

    [Theory]
    [InlineData("hsu")]
    [InlineData("per-class")]
    public void Split_Dirichlet_SkewGrowsAsAlphaShrinks(string variant)
    {
        var data = Balanced(4000, 10);
        double iid = Skew(Split(data, 20, "iid"), data);
        double large = Skew(Split(data, 20, $"dirichlet:alpha=100,variant={variant}"), data);
        double medium = Skew(Split(data, 20, $"dirichlet:alpha=1,variant={variant}"), data);
        double small = Skew(Split(data, 20, $"dirichlet:alpha=0.05,variant={variant}"), data);
        Assert.True(iid < 0.15 && large < 0.2, $"iid {iid}, alpha=100 {large}");
        Assert.True(large < medium && medium < small, $"skew 100:{large} 1:{medium} 0.05:{small}");
        Assert.True(small > 0.6, $"alpha=0.05 should make nearly single-class workers, skew {small}");
    }

    [Fact]
    public void Split_DirichletHsu_EqualSizes()
    {
        var p = Split(Balanced(1000, 10), 8, "dirichlet:alpha=0.1");
        Assert.All(p.Shards, s => Assert.Equal(125, s.Length));
    }

    [Fact]
    public void Split_Shards_EachWorkerHasAtMostKLabels()
    {
        var data = Balanced(1200, 10); // 120 per class; 20 workers × 3 shards of 20 rows
        var p = Split(data, 20, "shards:k=3");
        foreach (var s in p.Shards)
        {
            Assert.Equal(60, s.Length);
            Assert.InRange(s.ToArray().Select(r => data.Labels![r]).Distinct().Count(), 1, 3);
        }
    }

    [Fact]
    public void Split_TooFewRows_OrLabelSchemeOnRegression_Throws()
    {
        var data = Balanced(10, 2);
        Assert.Contains("leave 5 for 6 workers", Assert.Throws<SimByzException>(() => Split(data, 6, "iid", validation: "5")).Message, StringComparison.Ordinal);
        Assert.Contains("cannot make 4×3", Assert.Throws<SimByzException>(() => Split(data, 4, "shards:k=3")).Message, StringComparison.Ordinal);
        var regression = new Dataset(new float[10], 10, 1, null, 0, new float[10]);
        Assert.Contains("regression", Assert.Throws<SimByzException>(() => Split(regression, 2, "dirichlet:alpha=1")).Message, StringComparison.Ordinal);
        Assert.Contains("min-size", Assert.Throws<SimByzException>(() => Split(Balanced(40, 2), 20, "dirichlet:alpha=0.01,variant=per-class,min-size=2")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iid", "iid")]
    [InlineData("dirichlet:alpha=0.5", "dirichlet:alpha=0.5")]
    [InlineData("dirichlet:variant=per-class,alpha=0.3,min-size=10", "dirichlet:alpha=0.3,variant=per-class,min-size=10")]
    [InlineData("shards", "shards:k=2")]
    public void Parse_ValidSpec_CanonicalText(string spec, string canonical) => Assert.Equal(canonical, PartitionSpec.Parse(spec).ToString());

    [Theory]
    [InlineData("random", "unknown partition 'random'")]
    [InlineData("dirichlet", "'alpha' is required")]
    [InlineData("dirichlet:alpha=0", "alpha=0")]
    [InlineData("dirichlet:alpha=1,variant=yurochkin", "one of hsu, per-class")]
    [InlineData("shards:k=0", "k=0")]
    [InlineData("iid:k=2", "unknown parameter 'k'")]
    public void Parse_BadSpec_ThrowsClearError(string spec, string message)
        => Assert.Contains(message, Assert.Throws<SimByzException>(() => PartitionSpec.Parse(spec)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("0.1", 100, 10)]
    [InlineData("0.001", 100, 1)]
    [InlineData("25", 100, 25)]
    [InlineData("0", 100, 0)]
    public void SplitSize_Parse_ResolvesCountOrFraction(string text, int total, int expected)
        => Assert.Equal(expected, SplitSize.Parse(text, "validation").Resolve(total));

    [Theory]
    [InlineData("1.5")]
    [InlineData("-3")]
    [InlineData("half")]
    public void SplitSize_Parse_Bad_Throws(string text)
        => Assert.Contains("validation", Assert.Throws<SimByzException>(() => SplitSize.Parse(text, "validation")).Message, StringComparison.Ordinal);
}
