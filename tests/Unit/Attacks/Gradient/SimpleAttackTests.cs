using SimByz.Attacks;
using Xunit;
using static SimByz.Tests.Unit.Attacks.AttackKit;

namespace SimByz.Tests.Unit.Attacks.Gradient;

/// <summary>Sign flip, bitflip, IPM, mimic, zero, omission, non-finite, honest: rows against the formula.</summary>
public class SimpleAttackTests
{
    private static readonly float[][] Honest = [[1f, 2f], [3f, 4f], [5f, 9f]]; // mean (3, 5)
    private static readonly float[][] Own = [[1f, -2f], [-3f, 4f]];

    [Fact]
    public void SignFlip_OwnVariant_ReversesEachWorkersOwnGradientScaled()
    {
        var attack = Attack("sign-flip:s=2");
        Assert.Equal("sign-flip:s=2,of=own", attack.Spec);
        Assert.True(attack.NeedsOwnGradients);
        var rows = Craft(attack, Context(Honest, 2, own: Own));
        RowEqual([-2f, 4f], rows[0]);
        RowEqual([6f, -8f], rows[1]);
    }

    [Fact]
    public void SignFlip_OwnVariantWithoutOwnGradients_FallsBackToReversedHonestMean()
        => AllRowsEqual(Craft(Attack("sign-flip"), Context(Honest, 2)), [-3f, -5f]);

    [Fact]
    public void SignFlip_MeanVariant_AllSendReversedScaledHonestMean()
    {
        var attack = Attack("sign-flip:of=mean,s=10");
        Assert.False(attack.NeedsOwnGradients);
        AllRowsEqual(Craft(attack, Context(Honest, 3, own: [[9f, 9f], [9f, 9f], [9f, 9f]])), [-30f, -50f]);
    }

    [Fact]
    public void SignFlip_MeanVariantWithoutHonestRows_UsesOwnGradientsMean()
        => AllRowsEqual(Craft(Attack("sign-flip:of=mean"), Context([], 2, dimension: 2, own: Own)), [1f, -1f]);

    [Fact]
    public void SignFlip_NoInformationAtAll_SendsZeroRows()
        => AllRowsEqual(Craft(Attack("sign-flip:of=mean"), Context([], 2, dimension: 2)), [0f, 0f]);

    [Fact]
    public void Bitflip_AllRowsAreReversedGradientOfFirstByzantineWorker()
    {
        var attack = Attack("bitflip");
        Assert.True(attack.NeedsOwnGradients);
        AllRowsEqual(Craft(attack, Context(Honest, 2, own: Own)), [-1f, 2f]);
    }

    [Fact]
    public void Bitflip_WithoutOwnGradients_ReversesFirstHonestRow()
        => AllRowsEqual(Craft(Attack("bitflip"), Context(Honest, 3)), [-1f, -2f]);

    [Theory]
    [InlineData("ipm", 0.1)]
    [InlineData("ipm:eps=0.5", 0.5)]
    [InlineData("ipm:eps=100", 100)]
    [InlineData("ipm:eps=2", 2)] // ByzFL's current InnerProductManipulation(tau=2): −τ·mean
    public void Ipm_AllSendMinusEpsilonTimesHonestMean(string spec, double eps)
        => AllRowsEqual(Craft(Attack(spec), Context(Honest, 4)), [(float)(-eps * 3), (float)(-eps * 5)], 1e-4);

    [Fact]
    public void Ipm_TalkToyExample_MedianTurnsNegativeWhileMeanStaysPositive()
    {
        // The talk: honest {−0.3, 1, 2}; two Byzantine rows replaced by −mean = −0.9.
        float[][] honest = [[-0.3f], [1f], [2f]];
        var rows = Craft(Attack("ipm:eps=1"), Context(honest, 2));
        AllRowsEqual(rows, [-0.9f]);
        var median = Aggregate(SimByz.Aggregation.AggregatorCatalog.BuiltIn.Create("median"), honest, rows);
        var mean = Aggregate(SimByz.Aggregation.AggregatorCatalog.BuiltIn.Create("mean"), honest, rows);
        Assert.Equal(-0.3f, median[0], 1e-6);
        Assert.Equal(0.18f, mean[0], 1e-6);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(2)]
    public void Ipm_TalkToyExample_AnyPositiveEpsilonMakesMedianWrongSign(double eps)
    {
        float[][] honest = [[-0.3f], [1f], [2f]];
        var rows = Craft(Attack($"ipm:eps={eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}"), Context(honest, 2));
        var median = Aggregate(SimByz.Aggregation.AggregatorCatalog.BuiltIn.Create("median"), honest, rows);
        Assert.True(Dot(Mean(honest), median) < 0, $"⟨honest mean, Median⟩ = {Dot(Mean(honest), median)}");
    }

    [Fact]
    public void Ipm_FallOfEmpiresTheorem_MedianInnerProductNegativeInHighDimension()
    {
        // n − 2q = 1 (n = 21, q = 10), honest vᵢ ~ N(g, σ²) with max|g_j| = 0.1 < σ/√(n−q−1) = 1/√10.
        const int h = 11, q = 10, d = 2000;
        var rng = new SimByz.Scheduler.RandomStream(2019);
        var honest = new float[h][];
        for (int i = 0; i < h; i++)
        {
            honest[i] = new float[d];
            for (int j = 0; j < d; j++) honest[i][j] = (float)(0.1 + rng.NextNormal());
        }
        var rows = Craft(Attack("ipm:eps=0.1"), Context(honest, q));
        var mean = Mean(honest);
        var median = Aggregate(SimByz.Aggregation.AggregatorCatalog.BuiltIn.Create("median"), honest, rows);
        var average = Aggregate(SimByz.Aggregation.AggregatorCatalog.BuiltIn.Create("mean"), honest, rows);
        Assert.True(Dot(mean, median) < 0, $"⟨mean, Median⟩ = {Dot(mean, median)}");
        Assert.True(Dot(mean, average) > 0, $"⟨mean, Mean⟩ = {Dot(mean, average)}");
    }

    [Theory]
    [InlineData(0, new[] { 1f, 2f })]
    [InlineData(2, new[] { 5f, 9f })]
    [InlineData(4, new[] { 3f, 4f })] // 4 mod 3 = 1
    public void Mimic_CopiesTheChosenHonestRow(int worker, float[] expected)
        => AllRowsEqual(Craft(Attack($"mimic:worker={worker}"), Context(Honest, 3)), expected);

    [Fact]
    public void Mimic_NoHonestRow_SendsOwnGradients()
    {
        var rows = Craft(Attack("mimic"), Context([], 2, dimension: 2, own: Own));
        RowEqual(Own[0], rows[0]);
        RowEqual(Own[1], rows[1]);
    }

    [Fact]
    public void Zero_SendsZeroRows()
        => AllRowsEqual(Craft(Attack("zero"), Context(Honest, 3)), [0f, 0f]);

    [Fact]
    public void Omission_IsMarkedAndRefusesToCraft()
    {
        var attack = Attack("omission");
        Assert.True(attack.IsOmission);
        Assert.Throws<InvalidOperationException>(() => Craft(attack, Context(Honest, 1)));
        Assert.False(Attack("zero").IsOmission);
    }

    [Theory]
    [InlineData("nonfinite", float.NaN)]
    [InlineData("nonfinite:kind=inf", float.PositiveInfinity)]
    [InlineData("nonfinite:kind=-inf", float.NegativeInfinity)]
    public void NonFinite_FillsEveryCoordinate(string spec, float value)
    {
        foreach (var row in Craft(Attack(spec), Context(Honest, 2)))
        {
            foreach (float x in row) Assert.Equal(value, x);
        }
    }

    [Fact]
    public void NonFinite_Mixed_CyclesNaNPlusMinusInfinityByRowPlusCoordinate()
    {
        var rows = Craft(Attack("nonfinite:kind=mixed"), Context([[0f, 0f, 0f, 0f]], 2));
        Assert.Equal([float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.NaN], rows[0]);
        Assert.Equal([float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.PositiveInfinity], rows[1]);
    }

    [Fact]
    public void Honest_SendsOwnGradientsUnchanged_OrHonestMeanWithoutThem()
    {
        var attack = Attack("honest");
        Assert.True(attack.NeedsOwnGradients);
        var rows = Craft(attack, Context(Honest, 2, own: Own));
        RowEqual(Own[0], rows[0]);
        RowEqual(Own[1], rows[1]);
        AllRowsEqual(Craft(attack, Context(Honest, 2)), [3f, 5f]);
    }

    [Fact]
    public void Craft_ZeroByzantineRows_WritesNothing()
    {
        foreach (var info in AttackCatalog.BuiltIn.GradientAttacks)
        {
            var attack = Attack(info.Name);
            if (attack.IsOmission) continue;
            Assert.Empty(Craft(attack, Context(Honest, 0)));
        }
    }

    [Fact]
    public void Craft_OutputOfWrongLength_ThrowsArgumentException()
    {
        var attack = Attack("ipm");
        Assert.Throws<ArgumentException>(() => attack.Craft(Context(Honest, 2), new float[3]));
    }
}
