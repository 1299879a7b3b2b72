using SimByz.Aggregation;
using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation.PreAggregators;

public class PreAggregatorTests
{
    [Fact]
    public void Bucketing_SizeDividesN_WithMeanGivesTheMean()
    {
        var rows = Normal(6, 5, 2);
        var expected = Run("mean", rows);
        var output = Run("bucketing:s=2+mean", rows, seed: 17);
        for (int j = 0; j < 5; j++) Assert.Equal(expected[j], output[j], 5);
    }

    [Fact]
    public void Bucketing_Diagnostics_MapBucketWeightsBackToInputs()
    {
        var rows = Normal(5, 3, 4);
        var diagnostics = new AggregationDiagnostics();
        var output = Run("bucketing:s=2+mean", rows, seed: 3, diagnostics: diagnostics);
        Assert.Equal(1.0, diagnostics.Weights.ToArray().Sum(), 12);
        for (int j = 0; j < 3; j++)
        {
            double reconstructed = 0;
            for (int i = 0; i < 5; i++) reconstructed += diagnostics.Weights[i] * rows[i][j];
            Assert.Equal(reconstructed, output[j], 5);
        }
    }

    [Fact]
    public void Bucketing_SameSeed_SamePermutationsAndResetReplays()
    {
        var rows = Normal(9, 4, 5);
        var a = AggregatorCatalog.BuiltIn.Create("bucketing:s=3+median", new AggregatorBuildContext(Seed: 42));
        var b = AggregatorCatalog.BuiltIn.Create("bucketing:s=3+median", new AggregatorBuildContext(Seed: 42));
        var first = Run(a, rows);
        Assert.Equal(first, Run(b, rows));
        var calls = Enumerable.Range(0, 5).Select(_ => Run(a, rows)).ToList();
        Assert.Contains(calls, c => !c.SequenceEqual(first)); // a fresh permutation per call
        a.Reset();
        Assert.Equal(first, Run(a, rows));
    }

    [Fact]
    public void Nnm_WithMean_ReplacesEachByTheMeanOfItsNearest()
        // 0, 1, 2 → mean of {0, 1, 2} = 1; 10 → mean of {10, 2, 1}; overall (3 + 13/3) / 4.
        => Assert.Equal((3 + 13.0 / 3) / 4, Run("nnm:f=1+mean", Scalars(0f, 1f, 2f, 10f))[0], 5);

    [Fact]
    public void Nnm_NaNRow_FiniteRowsStayFinite()
    {
        var output = Run("nnm:f=1+median", Scalars(0f, 1f, float.NaN, 2f, 3f));
        Assert.True(float.IsFinite(output[0]));
    }

    [Fact]
    public void Clipping_WithMean_ClipsLongVectorsOnly()
    {
        var output = Run("clipping:tau=1+mean", [[3f, 4f], [0.3f, 0.4f]]);
        Assert.Equal(0.45f, output[0], 6);
        Assert.Equal(0.6f, output[1], 6);
    }

    [Fact]
    public void Clipping_MissingTau_Throws()
        => Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.Create("clipping+mean"));

    [Fact]
    public void Arc_OneByzantineOfFive_ClipsTheLargestToTheNextNorm()
        // k = ⌊2·1·4/5⌋ = 1: 10 is clipped to 3.
        => Assert.Equal(1.1f, Run("arc:f=1+mean", Scalars(1f, -2f, 3f, 10f, 0.5f))[0], 5);

    [Fact]
    public void Chain_TwoPreAggregators_ApplyInOrderAndKeepTheirSpec()
    {
        var rule = AggregatorCatalog.BuiltIn.Create("clipping:tau=1+arc:f=1+mean");
        Assert.Equal("clipping:tau=1+arc:f=1+mean", rule.Spec);
        Assert.Equal(0.5f, Run(rule, Scalars(1f, -2f, 3f, 10f, 0.5f))[0], 5); // clipped to {1, −1, 1, 1, 0.5}; ARC then clips nothing
    }

    [Fact]
    public void PreAggregatorInRulePosition_IsRejected()
        => Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.Create("bucketing:s=2"));
}
