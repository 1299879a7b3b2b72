using SimByz.Aggregation;
using SimByz.Attacks.Gradient;
using SimByz.Scheduler;
using Xunit;
using static SimByz.Tests.Unit.Attacks.AttackKit;

namespace SimByz.Tests.Unit.Attacks.Gradient;

/// <summary>
/// The attacks against the robust rules of the aggregation registry: the Fall of Empires result for
/// Krum, and the adaptive (line-searched) attacks beating their fixed-scale forms.
/// </summary>
public class AdaptiveAgainstRobustRulesTests
{
    /// <summary>h honest rows g + σz, g = 0.1·1, σ = 1 (max|g_j| small against σ, as the theorem needs).</summary>
    private static float[][] Honest(int h, int d, ulong seed)
    {
        var rng = new RandomStream(seed);
        var rows = new float[h][];
        for (int i = 0; i < h; i++)
        {
            rows[i] = new float[d];
            for (int j = 0; j < d; j++) rows[i][j] = (float)(0.1 + rng.NextNormal());
        }
        return rows;
    }

    private static double Damage(string rule, float[][] honest, float[][] byzantine)
        => Distance(Aggregate(AggregatorCatalog.BuiltIn.Create(rule), honest, byzantine), Mean(honest));

    [Theory]
    [InlineData(0.1)]
    [InlineData(1.0)]
    public void Ipm_FallOfEmpires_KrumOutputHasNegativeInnerProduct(double eps)
    {
        // n − 2q = 3: n = 11, q = 4.
        var honest = Honest(7, 1000, 2019);
        var rows = Craft(Attack(FormattableString.Invariant($"ipm:eps={eps}")), Context(honest, 4));
        var mean = Mean(honest);
        Assert.True(Dot(mean, Aggregate(AggregatorCatalog.BuiltIn.Create("krum:f=4"), honest, rows)) < 0);
        Assert.True(Dot(mean, Aggregate(AggregatorCatalog.BuiltIn.Create("mean"), honest, rows)) > 0);
    }

    [Theory]
    [InlineData("krum:f=4")]
    [InlineData("trimmed-mean:b=4")]
    [InlineData("median")]
    [InlineData("geometric-median")]
    [InlineData("nnm:f=4+krum:f=4")]
    public void OptimalIpm_DoesMoreDamageThanFixedEpsilon(string rule)
    {
        var honest = Honest(7, 200, 7);
        double fixedDamage = Damage(rule, honest, Craft(Attack("ipm:eps=0.1"), Context(honest, 4)));
        var attack = (OptimalIpmAttack)Attack("optimal-ipm", new SimByz.Attacks.AttackBuildContext(DeclaredByzantine: 4));
        double optimalDamage = Damage(rule, honest, Craft(attack, Context(honest, 4, aggregator: AggregatorCatalog.BuiltIn.Create(rule))));
        Assert.True(optimalDamage > fixedDamage * 1.05, $"{rule}: optimal {optimalDamage} (ε* = {attack.LastScale}) vs fixed {fixedDamage}");
        Assert.Equal(optimalDamage, attack.LastDamage, 4);
        Assert.Equal(AggregatorCatalog.BuiltIn.Create(rule, new AggregatorBuildContext(0, 4)).Spec, attack.Probe.Current.Spec);
    }

    [Theory]
    [InlineData("krum:f=4", 1.2)] // Krum: z = 1.5 is far from the best deviation
    [InlineData("trimmed-mean:b=4", 1.0)]
    [InlineData("median", 1.0)] // Median saturates at an honest order statistic: z = 1.5 already reaches it
    public void OptimalAlie_DoesAtLeastAsMuchDamageAsFixedZ(string rule, double factor)
    {
        var honest = Honest(7, 200, 8);
        double fixedDamage = Damage(rule, honest, Craft(Attack("alie:variant=byzfl"), Context(honest, 4)));
        var attack = (OptimalAlieAttack)Attack("optimal-alie");
        double optimalDamage = Damage(rule, honest, Craft(attack, Context(honest, 4, aggregator: AggregatorCatalog.BuiltIn.Create(rule))));
        Assert.True(optimalDamage >= factor * fixedDamage, $"{rule}: optimal {optimalDamage} (z* = {attack.LastScale}) vs fixed {fixedDamage}");
        Assert.True(optimalDamage > 0);
    }
}
