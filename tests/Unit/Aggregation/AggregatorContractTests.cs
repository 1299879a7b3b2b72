using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Tests.Unit.Support;
using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation;

/// <summary>
/// The shared contract, checked for every registered rule and variant (and each pre-aggregator in front
/// of a rule) at n = 11 with q = 2: identity on identical inputs, permutation invariance, finite output
/// under non-finite rows for robust rules, thread-count independence, spec round trip, tolerance errors.
/// </summary>
public class AggregatorContractTests
{
    private const int N = 11;
    private const int Q = 2;

    /// <summary>Valid specs for n = 11; every registered rule and pre-aggregator must appear.</summary>
    private static readonly string[] Specs =
    [
        "mean", "median", "trimmed-mean:b=2", "geometric-median", "geometric-median:variant=fedlib",
        "krum:f=2", "krum:f=2,variant=byzfl", "multi-krum:f=2", "multi-krum:f=2,variant=byzfl",
        "bulyan:f=2", "bulyan:f=2,variant=aggregathor", "cc:tau=1000000000,iters=2", "meamed:f=2", "mda:f=2",
        "monna:f=2", "sign-majority",
        "bucketing:s=2+median", "nnm:f=2+krum:f=2", "clipping:tau=1000000000+mean", "arc:f=2+trimmed-mean:b=2",
    ];

    /// <summary>Not the identity on identical inputs, by definition (documented on the rule).</summary>
    private static readonly HashSet<string> NoIdentity = ["sign-majority"];

    /// <summary>
    /// Not permutation invariant: MoNNA's pivot is an index; bucketing shuffles with a seeded stream;
    /// Bulyan (flower) with f = 2 ends its iterated Krum with one neighbour, where mutual nearest
    /// neighbours tie structurally and the tie goes to the lower index (see BulyanRule remarks).
    /// </summary>
    private static readonly HashSet<string> NoPermutationInvariance = ["monna:f=2", "bucketing:s=2+median", "bulyan:f=2"];

    /// <summary>Not robust to non-finite rows (documented): they propagate.</summary>
    private static readonly HashSet<string> NotRobust = ["mean", "clipping:tau=1000000000+mean"];

    public static TheoryData<string> AllSpecs() => [.. Specs];

    private static IAggregator Build(string spec) => AggregatorCatalog.BuiltIn.Create(spec, new AggregatorBuildContext(Seed: 5, DeclaredByzantine: Q));

    [Fact]
    public void Registry_EveryRuleAndPreAggregator_IsCoveredHere()
    {
        var names = Specs.SelectMany(s => s.Split('+')).Select(s => s.Split(':')[0]).ToHashSet();
        foreach (var info in AggregatorCatalog.BuiltIn.Rules.Infos.Where(r => !r.Name.StartsWith("zeno", StringComparison.Ordinal)))
        {
            Assert.Contains(info.Name, names);
        }
        foreach (var info in AggregatorCatalog.BuiltIn.PreAggregators.Infos) Assert.Contains(info.Name, names);
    }

    [Fact]
    public void Registry_EveryEntry_HasSourceToleranceAndDocumentedParameters()
    {
        foreach (var info in AggregatorCatalog.BuiltIn.Rules.Infos.Concat(AggregatorCatalog.BuiltIn.PreAggregators.Infos))
        {
            Assert.False(string.IsNullOrWhiteSpace(info.Summary), info.Name);
            Assert.False(string.IsNullOrWhiteSpace(info.Source), info.Name);
            Assert.False(string.IsNullOrWhiteSpace(info.Tolerance), info.Name);
            foreach (var p in info.Parameters) Assert.False(string.IsNullOrWhiteSpace(p.Default), info.Name + "." + p.Name);
        }
    }

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Spec_RoundTripsThroughTheRegistry(string spec)
    {
        var rule = Build(spec);
        Assert.Equal(rule.Spec, Build(rule.Spec).Spec);
    }

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Aggregate_IdenticalInputs_ReturnsThatInput(string spec)
    {
        if (NoIdentity.Contains(spec)) return;
        var row = Normal(1, 19, 8)[0];
        var output = Run(Build(spec), Enumerable.Repeat(row, N).ToArray());
        for (int j = 0; j < row.Length; j++) Assert.Equal(row[j], output[j], 5);
    }

    [Fact]
    public void SignMajority_IdenticalInputs_ReturnsTheirSign()
    {
        var row = Normal(1, 19, 8)[0];
        var output = Run(Build("sign-majority"), Enumerable.Repeat(row, N).ToArray());
        Assert.Equal(row.Select(x => (float)Math.Sign(x)), output);
    }

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Aggregate_PermutedInputs_SameResultWithinRounding(string spec)
    {
        if (NoPermutationInvariance.Contains(spec)) return;
        var rows = Normal(N, 19, 9);
        int[] permutation = [3, 7, 0, 10, 1, 9, 2, 5, 8, 4, 6];
        var a = Run(Build(spec), rows);
        var b = Run(Build(spec), permutation.Select(i => rows[i]).ToArray());
        for (int j = 0; j < a.Length; j++) Assert.Equal(a[j], b[j], 4);
    }

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Aggregate_NonFiniteRowsWithinTolerance_OutputStaysFinite(string spec)
    {
        if (NotRobust.Contains(spec)) return;
        var rows = Normal(N, 19, 10);
        rows[1] = Enumerable.Repeat(float.NaN, 19).ToArray();
        rows[6] = (float[])rows[6].Clone();
        rows[6][4] = float.PositiveInfinity;
        var output = Run(Build(spec), rows);
        Assert.All(output, x => Assert.True(float.IsFinite(x), $"{spec}: {x}"));
    }

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Aggregate_DifferentThreadCounts_BitIdentical(string spec)
    {
        var rows = Normal(N, 70_001, 11); // several chunks of every kernel, ragged tail
        var single = ChunkThreads.With(1, () => Run(Build(spec), rows));
        var parallel = ChunkThreads.With(4, () => Run(Build(spec), rows));
        Assert.True(single.AsSpan().SequenceEqual(parallel), spec);
    }

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void Aggregate_SecondCallSameShape_AllocatesNothing(string spec)
    {
        var rule = Build(spec);
        var batch = GradientBatch.FromRows(Normal(N, 2000, 12));
        var output = new float[2000];
        var diagnostics = new AggregationDiagnostics();
        rule.Aggregate(batch, output, AggregationContext.None, diagnostics);
        rule.Aggregate(batch, output, AggregationContext.None, diagnostics);
        Assert.Equal(0, ThreadAllocations.Least(() => rule.Aggregate(batch, output, AggregationContext.None, diagnostics)));
    }

    [Theory]
    [InlineData("trimmed-mean:b=2", 4)]
    [InlineData("krum:f=2", 6)]
    [InlineData("multi-krum:f=2", 6)]
    [InlineData("multi-krum:f=1,m=9", 8)]
    [InlineData("bulyan:f=2", 10)]
    [InlineData("bulyan:f=2,variant=aggregathor", 10)]
    [InlineData("meamed:f=2", 4)]
    [InlineData("mda:f=2", 4)]
    [InlineData("monna:f=2", 4)]
    [InlineData("nnm:f=2+mean", 2)]
    [InlineData("arc:f=2+mean", 4)]
    [InlineData("bucketing:s=2+krum:f=2", 11)]
    // Parameters whose 2f, 2f + 2 or 4f + 3 overflows an int: the condition is checked in 64 bits.
    [InlineData("trimmed-mean:b=1073741824", 20)]
    [InlineData("trimmed-mean:b=2147483647", 20)]
    [InlineData("meamed:f=2147483647", 20)]
    [InlineData("krum:f=2147483647", 20)]
    [InlineData("multi-krum:f=1073741824", 20)]
    [InlineData("bulyan:f=1073741824", 20)]
    [InlineData("mda:f=1073741824", 20)]
    [InlineData("monna:f=1073741824", 20)]
    [InlineData("arc:f=1073741824+mean", 20)]
    public void Aggregate_ToleranceViolated_ThrowsSimByzExceptionNamingTheRule(string spec, int n)
    {
        var rule = Build(spec);
        var e = Assert.Throws<SimByzException>(() => Run(rule, Normal(n, 3, 13)));
        Assert.Contains("tolerance condition", e.Message);
        Assert.True(spec.Split('+').Any(c => e.Message.Contains(c.Split(':')[0], StringComparison.Ordinal)), e.Message);
    }

    [Theory]
    [InlineData("krum:variant=fast")]
    [InlineData("krum:f=-1")]
    [InlineData("krum:g=2")]
    [InlineData("nosuchrule")]
    [InlineData("geometric-median:nu=0")]
    [InlineData("cc:iters=0")]
    public void Create_BadSpec_ThrowsSimByzException(string spec)
        => Assert.Throws<SimByzException>(() => Build(spec));
}
