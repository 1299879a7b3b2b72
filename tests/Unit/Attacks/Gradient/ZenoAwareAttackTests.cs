using SimByz.Attacks;
using SimByz.Attacks.Gradient;
using Xunit;
using static SimByz.Tests.Unit.Attacks.AttackKit;

namespace SimByz.Tests.Unit.Attacks.Gradient;

/// <summary>
/// Hand-computed cases: honest rows (1,0), (0,2), (2,1), so ĝ = (1,1), G = ‖ĝ‖² = 2, with γ = 0.1.
/// Estimated score of −sĝ: Ŝ(s) = −γGs − ρcGs².
/// </summary>
public class ZenoAwareAttackTests
{
    private static readonly float[][] Honest = [[1f, 0f], [0f, 2f], [2f, 1f]];

    private static (ZenoAwareAttack Attack, float[][] Rows) Run(string spec, int q = 2, AttackBuildContext? build = null)
    {
        var attack = (ZenoAwareAttack)Attack(spec, build);
        return (attack, Craft(attack, Context(Honest, q, learningRate: 0.1)));
    }

    [Fact]
    public void Zeno_SumPenalty_LargestScaleMatchingTheBthLowestHonestScore()
    {
        // ρ = 0.1: honest scores 0.1·⟨ĝ,v⟩ − 0.1‖v‖² = 0, −0.2, −0.2; b = 1 ⇒ τ = −0.2.
        // 0.2s² + 0.2s − 0.2 = 0 ⇒ s = (√5 − 1)/2.
        var (attack, rows) = Run("zeno-aware:rho=0.1,b=1");
        double s = (Math.Sqrt(5) - 1) / 2;
        Assert.Equal(-0.2, attack.LastThreshold, 12);
        Assert.Equal(s, attack.LastScale, 12);
        AllRowsEqual(rows, [(float)-s, (float)-s]);
    }

    [Fact]
    public void Zeno_MeanPenalty_DividesPenaltyByDimension()
    {
        // ρ = 0.4, c = 1/2: honest scores −0.1, −0.6, −0.7; b = 2 ⇒ τ = −0.6; 0.4s² + 0.2s − 0.6 = 0 ⇒ s = 1.
        var (attack, rows) = Run("zeno-aware:rho=0.4,b=2,penalty=mean");
        Assert.Equal(-0.6, attack.LastThreshold, 12);
        Assert.Equal(1.0, attack.LastScale, 12);
        AllRowsEqual(rows, [-1f, -1f]);
    }

    [Fact]
    public void Zeno_ThresholdAtOrAboveZero_SendsZeroRows()
    {
        // b = 3 (all honest rows must score below): τ = 0, and a reversed vector never scores above 0.
        var (attack, rows) = Run("zeno-aware:rho=0.1,b=3");
        Assert.Equal(0.0, attack.LastScale);
        AllRowsEqual(rows, [0f, 0f]);
    }

    [Fact]
    public void Zeno_BAutoUsesDeclaredByzantineCount()
    {
        var (attack, _) = Run("zeno-aware:rho=0.1", q: 1, build: new AttackBuildContext(DeclaredByzantine: 1));
        Assert.Equal("zeno-aware:target=zeno,rho=0.1,b=1,penalty=sum,margin=1,max-scale=100", attack.Spec);
        Assert.Equal((Math.Sqrt(5) - 1) / 2, attack.LastScale, 12);
    }

    [Fact]
    public void Zeno_NothingDropped_SendsMaxScale()
    {
        var (attack, rows) = Run("zeno-aware:b=0,max-scale=7");
        Assert.Equal(7.0, attack.LastScale);
        AllRowsEqual(rows, [-7f, -7f]);
    }

    [Fact]
    public void Zeno_Margin_ScalesTheComputedScale()
    {
        var (attack, _) = Run("zeno-aware:rho=0.4,b=2,penalty=mean,margin=0.5");
        Assert.Equal(0.5, attack.LastScale, 12);
    }

    [Fact]
    public void ZenoPlusPlusPlain_ScaleWhereEstimatedScoreMeetsEpsilon()
    {
        // ρ = 0.1, ε = −0.3: 0.2s² + 0.2s − 0.3 = 0 ⇒ s = (−1 + √7)/2.
        var (attack, rows) = Run("zeno-aware:target=zenopp,form=plain,rho=0.1,eps=-0.3");
        double s = (Math.Sqrt(7) - 1) / 2;
        Assert.Equal(s, attack.LastScale, 12);
        double estimatedScore = -0.1 * 2 * s - 0.1 * 2 * s * s;
        Assert.Equal(-0.3, estimatedScore, 12);
        AllRowsEqual(rows, [(float)-s, (float)-s]);
    }

    [Fact]
    public void ZenoPlusPlusPlain_PositiveEpsilon_SendsZeroRows()
        => Assert.Equal(0.0, Run("zeno-aware:target=zenopp,form=plain,rho=0.1,eps=0.1").Attack.LastScale);

    [Fact]
    public void ZenoPlusPlusReference_PassesOnlyWhenEpsilonExceedsSquaredNorm()
    {
        // −γG − ρGs² + γε ≥ 0 with G = 2: ε = 3 ⇒ s² ≤ 0.1·1/(0.1·2) ⇒ s = √0.5; ε = 1 < G ⇒ 0.
        var (attack, rows) = Run("zeno-aware:target=zenopp,rho=0.1,eps=3");
        Assert.Equal("zeno-aware:target=zenopp,rho=0.1,eps=3,form=reference,margin=1,max-scale=100", attack.Spec);
        Assert.Equal(Math.Sqrt(0.5), attack.LastScale, 12);
        AllRowsEqual(rows, [(float)-Math.Sqrt(0.5), (float)-Math.Sqrt(0.5)]);
        Assert.Equal(0.0, Run("zeno-aware:target=zenopp,rho=0.1,eps=1").Attack.LastScale);
    }

    [Fact]
    public void ZenoPlusPlusReference_ZeroRho_SendsMaxScale()
        => Assert.Equal(100.0, Run("zeno-aware:target=zenopp,rho=0,eps=3").Attack.LastScale);

    [Theory]
    [InlineData("zeno-aware:target=zenopp,b=2", "b")]
    [InlineData("zeno-aware:eps=0.1", "eps")]
    [InlineData("zeno-aware:margin=0", "margin")]
    [InlineData("zeno-aware:margin=1.5", "margin")]
    [InlineData("zeno-aware:target=zeno++", "zenopp")]
    public void Create_ParameterThatDoesNotApply_ThrowsNamingIt(string spec, string key)
    {
        var ex = Assert.ThrowsAny<SimByzException>(() => Attack(spec));
        Assert.Contains($"'{key}", ex.Message);
    }
}

/// <summary>The derivation checked on random inputs: the scale passes the estimated test and is the largest that does.</summary>
public class ZenoAwareInvariantTests
{
    [Fact]
    public void Scale_OnRandomInputs_MeetsThresholdAndIsMaximal()
    {
        var rng = new SimByz.Scheduler.RandomStream(77);
        int checkedCases = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            int h = 1 + rng.NextInt(8), d = 1 + rng.NextInt(12), q = 1 + rng.NextInt(4);
            var honest = new float[h][];
            double bias = rng.NextDouble();
            for (int i = 0; i < h; i++)
            {
                honest[i] = new float[d];
                for (int j = 0; j < d; j++) honest[i][j] = (float)(bias + 2 * rng.NextNormal());
            }
            double rho = 0.5 * rng.NextDouble(), gamma = rng.NextDouble();
            bool plusPlus = rng.NextInt(2) == 0, meanPenalty = rng.NextInt(2) == 0;
            int b = rng.NextInt(h + 2);
            double eps = -3 * rng.NextDouble();
            string spec = plusPlus
                ? FormattableString.Invariant($"zeno-aware:target=zenopp,form=plain,rho={rho:R},eps={eps:R},max-scale=1e9")
                : FormattableString.Invariant($"zeno-aware:rho={rho:R},b={b},penalty={(meanPenalty ? "mean" : "sum")},max-scale=1e9");
            var attack = (ZenoAwareAttack)Attack(spec);
            var ctx = Context(honest, q, learningRate: gamma);
            Craft(attack, ctx);
            double s = attack.LastScale, tau = attack.LastThreshold;
            if (s <= 0 || s >= 1e9) continue;
            float[] g = Mean(honest);
            double g2 = Dot(g, g), c = plusPlus || !meanPenalty ? 1 : 1.0 / d;
            double Score(double x) => -gamma * g2 * x - rho * c * g2 * x * x;
            double tolerance = 1e-9 * (1 + Math.Abs(tau));
            Assert.True(Score(s) >= tau - tolerance, $"{spec}: Ŝ({s}) = {Score(s)} < τ = {tau}");
            Assert.True(Score(s * 1.001) < tau, $"{spec}: a larger scale {s * 1.001} still passes");
            checkedCases++;
        }
        Assert.True(checkedCases > 50, $"only {checkedCases} cases had an interior scale");
    }
}

/// <summary>
/// End to end against Zeno's true score on a quadratic validation loss whose gradient at x is the
/// honest mean (the attacker's assumption) and whose curvature is the identity (what it ignores):
/// with a safety margin the Byzantine rows survive Zeno's sorting, and 20% more scale would not.
/// </summary>
public class ZenoAwareAgainstTrueScoreTests
{
    [Fact]
    public void Rows_WithMargin_SurviveZenoDropOfB_AndLargerScaleDoesNot()
    {
        var rng = new SimByz.Scheduler.RandomStream(5);
        const double gamma = 0.001, rho = 0.0001;
        const int h = 6, q = 2, b = 2, d = 10;
        int interior = 0;
        for (int trial = 0; trial < 80; trial++)
        {
            var honest = new float[h][];
            for (int i = 0; i < h; i++)
            {
                honest[i] = new float[d];
                for (int j = 0; j < d; j++) honest[i][j] = (float)(0.3 + rng.NextNormal());
            }
            float[] g = Mean(honest);
            // f(y) = ½‖y − x + g‖²: f(x) − f(x − γu) = γ⟨g, u⟩ − ½γ²‖u‖².
            double TrueScore(float[] u) => gamma * Dot(g, u) - 0.5 * gamma * gamma * Dot(u, u) - rho * Dot(u, u);
            var attack = (ZenoAwareAttack)Attack(FormattableString.Invariant($"zeno-aware:rho={rho},b={b},margin=0.9"));
            var rows = Craft(attack, Context(honest, q, learningRate: gamma));
            if (attack.LastScale <= 0) continue;
            interior++;
            int below = honest.Count(v => TrueScore(v) < TrueScore(rows[0]));
            Assert.True(below >= b, $"trial {trial}: only {below} honest rows score below the Byzantine rows");
            float[] larger = g.Select(x => (float)(-attack.LastScale / 0.9 * 1.2 * x)).ToArray();
            int belowLarger = honest.Count(v => TrueScore(v) < TrueScore(larger));
            Assert.True(belowLarger < b, $"trial {trial}: a 20% larger scale would still pass");
        }
        Assert.True(interior >= 10, $"only {interior} trials had a positive scale");
    }
}
