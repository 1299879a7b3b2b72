using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Attacks;

/// <summary>
/// "Fall of Empires" (Xie, Koyejo, Gupta, UAI 2019), checked statistically: under
/// the theorem's conditions (REFERENCE.md) inner-product manipulation u = −ε·mean(honest) makes the
/// expected inner product of the aggregate with the true gradient g negative, for the coordinate-wise
/// median and for Krum.
/// </summary>
/// <remarks>
/// <para>Setting: honest vectors vᵢ ~ N(g, σ²I) i.i.d. (σ = 1), g = γ·1 (every coordinate equal),
/// the q Byzantine rows are the catalogue's <c>ipm:eps=ε</c> crafted from the honest rows. Each
/// FsCheck case draws a seed, then M independent rounds, and bounds the mean of ⟨g, Aggr⟩ with a
/// one-sided z-bound: mean + z·s/√M &lt; 0, z = Φ⁻¹(1 − 1e-6/cases) (Bonferroni over the run's
/// cases), so a correct implementation fails a whole run with probability below 1e-6 (under the
/// normal approximation of the mean of M ≥ 2000 rounds).</para>
/// <para>Median: n − 2q = 1 (n = 11, q = 5), d = 10, max |gⱼ| = 0.5·σ/√(n−q−1) &lt; σ/√(n−q−1), ε = 1.
/// Krum (f = q): n − 2q = 3 (n = 11, q = 4), ε = 4 so n − q = 7 &gt; 2(ε+2)²/ε² + 2 = 6.5; d = 50 and
/// gⱼ = 0.05 (‖g‖ small against σ√d, the regime of the theorem where the identical Byzantine rows
/// are each other's nearest neighbours and outscore the spread-out honest ones).</para>
/// </remarks>
public class FallOfEmpiresProperties
{
    private const int Rounds = 2000;

    private static double ZBound(int cases) => DetMath.NormalQuantile(1 - 1e-6 / cases);

    /// <summary>Mean and standard error of ⟨g, Aggr⟩ over <see cref="Rounds"/> rounds.</summary>
    private static (double Mean, double StandardError) InnerProducts(string rule, string attack, int n, int q, int d, double gj, ulong seed)
    {
        var aggregator = AggregatorCatalog.BuiltIn.Create(rule);
        var ipm = AttackCatalog.BuiltIn.CreateGradientAttack(attack);
        var rng = RandomStreams.Derive(seed, StreamPurpose.WorkerData, 0);
        var data = new float[n * d];
        var output = new float[d];
        double sum = 0, squares = 0;
        for (int r = 0; r < Rounds; r++)
        {
            for (int i = 0; i < (n - q) * d; i++) data[i] = (float)(gj + rng.NextNormal());
            var honest = new GradientBatch(data.AsMemory(0, (n - q) * d), n - q, d);
            ipm.Craft(new AttackContext { Honest = honest, ByzantineCount = q, WorkerCount = n, Dimension = d, Rng = rng }, data.AsSpan((n - q) * d));
            aggregator.Aggregate(new GradientBatch(data, n, d), output, AggregationContext.None);
            double inner = 0;
            for (int j = 0; j < d; j++) inner += gj * output[j];
            sum += inner;
            squares += inner * inner;
        }
        double mean = sum / Rounds;
        double variance = (squares - Rounds * mean * mean) / (Rounds - 1);
        return (mean, Math.Sqrt(Math.Max(variance, 0) / Rounds));
    }

    private static void AssertNegative(string rule, string attack, int n, int q, int d, double gj, ulong seed, int cases)
    {
        var (mean, se) = InnerProducts(rule, attack, n, q, d, gj, seed);
        double z = ZBound(cases);
        Assert.True(mean + z * se < 0,
            $"{rule} under {attack}, n = {n}, q = {q}, d = {d}, gⱼ = {gj}: mean ⟨g, Aggr⟩ = {mean} ± {se} (s.e.), one-sided bound mean + {z:F2}·s.e. = {mean + z * se} is not < 0");
    }

    [BudgetedProperty(Divisor = 20, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Median_Ipm_NMinus2QIsOne_ExpectedInnerProductNegative(MonteCarloSeed seedCase)
    {
        const int n = 11, q = 5;
        AssertNegative("median", "ipm:eps=1", n, q, 10, 0.5 / Math.Sqrt(n - q - 1), seedCase.Seed, PropertyBudget.CasesFor(20));
    }

    [BudgetedProperty(Divisor = 20, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Krum_Ipm_NMinus2QIsThree_ExpectedInnerProductNegative(MonteCarloSeed seedCase)
    {
        AssertNegative("krum:f=4", "ipm:eps=4", 11, 4, 50, 0.05, seedCase.Seed, PropertyBudget.CasesFor(20));
    }

    [BudgetedProperty(Divisor = 20, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Mean_Ipm_SmallEpsilon_ExpectedInnerProductStaysPositive(MonteCarloSeed seedCase)
    {
        // The control: with ε·q < n − q the mean keeps the right direction (the theorem is about the
        // robust rules), so the statistic above does detect a sign.
        var (mean, se) = InnerProducts("mean", "ipm:eps=1", 11, 5, 10, 0.5 / Math.Sqrt(5), seedCase.Seed);
        Assert.True(mean - ZBound(PropertyBudget.CasesFor(20)) * se > 0, $"mean: ⟨g, Aggr⟩ = {mean} ± {se}");
    }
}
