using SimByz.Attacks.Gradient;
using Xunit;
using static SimByz.Tests.Unit.Attacks.AttackKit;

namespace SimByz.Tests.Unit.Attacks.Gradient;

public class AlieAttackTests
{
    // Per coordinate: mean 4, 5, 6; sample σ = 3; population σ = √6.
    private static readonly float[][] Honest = [[1f, 2f, 3f], [4f, 5f, 6f], [7f, 8f, 9f]];

    [Fact]
    public void Craft_ByzflVariant_MatchesByzflDocumentedExample()
    {
        var attack = Attack("alie:variant=byzfl");
        Assert.Equal("alie:variant=byzfl,z=1.5,sign=plus,std=sample", attack.Spec);
        AllRowsEqual(Craft(attack, Context(Honest, 2)), [8.5f, 9.5f, 10.5f]);
    }

    [Fact]
    public void Craft_BaruchVariantWithGivenZ_IsMeanMinusZPopulationStd()
    {
        var attack = Attack("alie:z=1");
        Assert.Equal("alie:variant=baruch,z=1,sign=minus,std=population", attack.Spec);
        float s = (float)Math.Sqrt(6.0);
        AllRowsEqual(Craft(attack, Context(Honest, 2)), [4f - s, 5f - s, 6f - s], 1e-5);
    }

    [Fact]
    public void Craft_KarimireddyVariant_IsMeanMinusZSampleStd()
        => AllRowsEqual(Craft(Attack("alie:variant=karimireddy,z=2"), Context(Honest, 1)), [-2f, -1f, 0f]);

    [Fact]
    public void Craft_BladesVariant_IsMeanPlusZSampleStd()
        => AllRowsEqual(Craft(Attack("alie:variant=blades,z=0.5"), Context(Honest, 3)), [5.5f, 6.5f, 7.5f]);

    [Fact]
    public void Craft_ExplicitSignAndStdOverrideVariant()
    {
        var attack = Attack("alie:variant=byzfl,sign=minus,std=population");
        Assert.Equal("alie:variant=byzfl,z=1.5,sign=minus,std=population", attack.Spec);
        float s = (float)(1.5 * Math.Sqrt(6.0));
        AllRowsEqual(Craft(attack, Context(Honest, 1)), [4f - s, 5f - s, 6f - s], 1e-5);
    }

    [Theory]
    [InlineData(50, 24, 1.4261)] // Baruch et al.'s setting: s = 2, Φ⁻¹(24/26)
    [InlineData(25, 5, 0.2533)] // s = 8, Φ⁻¹(0.6)
    [InlineData(10, 2, 0.0)] // s = 4, Φ⁻¹(0.5)
    [InlineData(10, 1, -0.1397)] // s = 5, Φ⁻¹(4/9): the formula goes negative for small f
    public void ZMax_MatchesNormalQuantileFormula(int n, int f, double expected)
        => Assert.Equal(expected, AlieShape.ZMax(n, f, "alie"), 4);

    [Fact]
    public void Craft_AutoZ_UsesWorkerCountAndTotalByzantine()
    {
        var attack = (AlieAttack)Attack("alie:variant=karimireddy");
        var rows = Craft(attack, Context(Honest, 1, workers: 50, totalByzantine: 24));
        Assert.Equal(1.4261, attack.LastZ, 4);
        AllRowsEqual(rows, [(float)(4 - 3 * attack.LastZ), (float)(5 - 3 * attack.LastZ), (float)(6 - 3 * attack.LastZ)], 1e-5);
    }

    [Theory]
    [InlineData(10, 6)] // Byzantine majority: the argument of Φ⁻¹ reaches 1
    [InlineData(2, 1)] // n ≤ 2: the argument is 0
    public void Craft_AutoZUndefined_ThrowsSimByzExceptionAskingForZ(int n, int f)
    {
        var ex = Assert.Throws<SimByzException>(() => Craft(Attack("alie"), Context(Honest, f, workers: n)));
        Assert.Contains("give z explicitly", ex.Message);
    }

    [Fact]
    public void Craft_SingleHonestRowSampleStd_IsZeroSoRowsEqualThatRow()
        => AllRowsEqual(Craft(Attack("alie:variant=byzfl"), Context([[1f, 2f, 3f]], 2)), [1f, 2f, 3f]);

    [Fact]
    public void Craft_NoHonestRows_EstimatesFromOwnGradients()
        => AllRowsEqual(Craft(Attack("alie:variant=byzfl,z=1"), Context([], 3, dimension: 3, own: Honest)), [7f, 8f, 9f]);
}
