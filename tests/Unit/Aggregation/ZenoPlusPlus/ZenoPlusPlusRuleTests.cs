using SimByz.Aggregation;
using SimByz.Testing.Aggregation;
using SimByz.Tests.Unit.Support;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.ZenoPlusPlus;

public class ZenoPlusPlusRuleTests
{
    // f(x) = ½‖x‖² at x = (3, 4): g_r = (3, 4), ‖g_r‖ = 5; γ = 0.1.
    private static AggregationContext Context(IValidationOracle oracle, float[] model, long version = 0, double gamma = 0.1)
        => new() { Oracle = oracle, Model = model, LearningRate = gamma, Round = version };

    private static (AsyncDecision Decision, float[] Update) Decide(IAsyncAggregator rule, float[] u, AggregationContext context)
    {
        var update = new float[u.Length];
        var decision = rule.Decide(new AsyncMessage(0, context.Round, 0, u), context, update);
        return (decision, update);
    }

    [Theory]
    [InlineData(3f, 4f, true, 2.25)]             // 0.1·25 − 0.01·25
    [InlineData(-3f, -4f, false, -2.75)]         // −2.5 − 0.25
    [InlineData(0.3f, 0.4f, true, 0.2475)]       // 0.25 − 0.0025 ≥ ε = 0.1
    [InlineData(0.03f, 0.04f, false, 0.024975)]  // positive but below ε: plain needs score ≥ ε
    public void Decide_PlainForm_AcceptsIffScoreAtLeastEpsilon(float u0, float u1, bool accepted, double score)
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("zeno++:rho=0.01,eps=0.1,form=plain");
        var (decision, update) = Decide(rule, [u0, u1], Context(QuadraticValidationOracle.Isotropic(0, 0), [3, 4]));
        Assert.Equal(accepted, decision.Accepted);
        Assert.Equal(score, decision.Score, 1e-6);
        Assert.Equal(accepted ? [u0, u1] : [0f, 0f], update);
        if (!accepted) Assert.Contains("below the threshold", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6f, 8f, 0.01, true, 1.51)]               // u' = (3, 4); 0.1·25 − 0.01·‖u‖²(=100) + 0.1·0.1
    [InlineData(30f, 40f, 0.01, false, -22.49)]          // same u', but the penalty uses ‖u‖² = 2500 before rescaling
    [InlineData(-6f, -8f, 0.01, false, -3.49)]           // u' = (−3, −4)
    [InlineData(0.03f, 0.04f, 0.01, true, 2.509975)]     // a tiny message is rescaled UP to ‖g_r‖
    [InlineData(4f, -3f, 0.01, false, -0.24)]            // orthogonal: 0 − 0.25 + 0.01
    [InlineData(4f, -3f, 0.0, true, 0.01)]               // ρ = 0: the γε tolerance admits it
    public void Decide_ReferenceForm_RescalesToValidationNormAndTestsAgainstZero(float u0, float u1, double rho, bool accepted, double score)
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync(FormattableString.Invariant($"zeno++:rho={rho},eps=0.1,form=reference"));
        var (decision, update) = Decide(rule, [u0, u1], Context(QuadraticValidationOracle.Isotropic(0, 0), [3, 4]));
        Assert.Equal(accepted, decision.Accepted);
        Assert.Equal(score, decision.Score, 1e-5);
        if (accepted)
        {
            double norm = Math.Sqrt((double)update[0] * update[0] + (double)update[1] * update[1]);
            Assert.Equal(5.0, norm, 1e-5);
            Assert.Equal(Math.Sign(u0), Math.Sign(update[0]));
        }
        else
        {
            Assert.Equal([0f, 0f], update);
        }
    }

    [Fact]
    public void Decide_RefreshesValidationGradientEveryKVersions()
    {
        var oracle = QuadraticValidationOracle.Isotropic(0, 0);
        var rule = (SimByz.Aggregation.Rules.ZenoPlusPlusRule)AggregatorCatalog.BuiltIn.CreateAsync("zeno++:k=3,rho=0,eps=0,form=plain");
        float[] towardsOrigin = [3, 4];
        var refreshedAt = new List<long>();
        for (long version = 0; version <= 7; version++)
        {
            Decide(rule, towardsOrigin, Context(oracle, [3, 4], version));
            refreshedAt.Add(rule.RefreshedAt);
        }
        Assert.Equal([0L, 0, 0, 3, 3, 3, 6, 6], refreshedAt);
        Assert.Equal(3, oracle.GradientCalls);
    }

    [Fact]
    public void Decide_RefreshByVersions_AllRejectedAtAFixedVersion_NeverRefreshes()
    {
        // The liveness caveat of refresh=versions: the version advances only on accepted messages, so a
        // stale g_r that rejects every message is never replaced.
        var oracle = QuadraticValidationOracle.Isotropic(0, 0);
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("zeno++:k=3,rho=0,eps=0,form=plain");
        Assert.True(Decide(rule, [3, 4], Context(oracle, [3, 4], version: 0)).Decision.Accepted);
        oracle.SetCenter(6, 8); // the fresh gradient is now (−3, −4): only messages pointing away from the origin descend
        for (int i = 0; i < 20; i++) Assert.False(Decide(rule, [-3, -4], Context(oracle, [3, 4], version: 1)).Decision.Accepted);
        Assert.Equal(1, oracle.GradientCalls);
    }

    [Fact]
    public void Decide_RefreshByMessages_RefreshesEveryKScoredMessagesAcceptedOrNot()
    {
        var oracle = QuadraticValidationOracle.Isotropic(0, 0);
        var rule = (SimByz.Aggregation.Rules.ZenoPlusPlusRule)AggregatorCatalog.BuiltIn.CreateAsync("zeno++:k=3,rho=0,eps=0,form=plain,refresh=messages");
        Assert.Equal("zenopp:rho=0,eps=0,k=3,form=plain,refresh=messages", rule.Spec);
        Assert.True(Decide(rule, [3, 4], Context(oracle, [3, 4], version: 0)).Decision.Accepted);
        oracle.SetCenter(6, 8);
        // Messages 2 and 3 are scored against the stale g_r = (3, 4) and rejected; message 4 brings the
        // refresh (g_r = (−3, −4)), after which the same message is accepted, at the same version.
        var accepted = new List<bool>();
        for (int i = 0; i < 4; i++) accepted.Add(Decide(rule, [-3, -4], Context(oracle, [3, 4], version: 1)).Decision.Accepted);
        Assert.Equal([false, false, true, true], accepted);
        Assert.Equal(2, oracle.GradientCalls);
    }

    [Fact]
    public void Decide_BetweenRefreshes_UsesTheStaleValidationGradient()
    {
        var oracle = QuadraticValidationOracle.Isotropic(0, 0);
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("zeno++:k=10,rho=0,eps=0,form=plain");
        float[] u = [3, 4];
        Assert.True(Decide(rule, u, Context(oracle, [3, 4], version: 5)).Decision.Accepted);

        // The validation optimum moves behind the model: the fresh gradient would be (−3, −4), but g_r is refreshed only at version 15.
        oracle.SetCenter(6, 8);
        Assert.True(Decide(rule, u, Context(oracle, [3, 4], version: 14)).Decision.Accepted);
        Assert.False(Decide(rule, u, Context(oracle, [3, 4], version: 15)).Decision.Accepted);
        Assert.Equal(2, oracle.GradientCalls);
    }

    [Fact]
    public void Reset_ForgetsTheValidationGradient()
    {
        var oracle = QuadraticValidationOracle.Isotropic(0, 0);
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("zeno++:k=10");
        Decide(rule, [3, 4], Context(oracle, [3, 4], version: 1));
        rule.Reset();
        Decide(rule, [3, 4], Context(oracle, [3, 4], version: 2));
        Assert.Equal(2, oracle.GradientCalls);
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("plain")]
    public void Decide_NonFiniteMessage_RejectedWithReason(string form)
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync($"zeno++:rho=0,eps=1000,form={form}");
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var (decision, update) = Decide(rule, [3, bad], Context(QuadraticValidationOracle.Isotropic(0, 0), [3, 4]));
            Assert.False(decision.Accepted);
            Assert.Equal(double.NegativeInfinity, decision.Score);
            Assert.Contains("non-finite", decision.Reason, StringComparison.Ordinal);
            Assert.Equal([0f, 0f], update);
        }
    }

    [Fact]
    public void Decide_PlainForm_OverflowingInnerProduct_Rejected()
    {
        // (3e38)·3 overflows float32: the score would be +∞ and a naive test would accept the largest possible update.
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("zeno++:rho=0.001,form=plain");
        var (decision, _) = Decide(rule, [3e38f, 3e38f], Context(QuadraticValidationOracle.Isotropic(0, 0), [3, 4]));
        Assert.False(decision.Accepted);
        Assert.Contains("overflow", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ZeroMessage_ReferenceForm_ScoresGammaEpsilon()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("zeno++:eps=0.1");
        var (decision, update) = Decide(rule, [0, 0], Context(QuadraticValidationOracle.Isotropic(0, 0), [3, 4]));
        Assert.True(decision.Accepted);
        Assert.Equal(0.1 * 0.1, decision.Score, 1e-12);
        Assert.Equal([0f, 0f], update);
    }

    [Fact]
    public void Decide_WithoutOracle_ThrowsSayingItNeedsValidationData()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("zeno++");
        var ex = Assert.Throws<SimByzException>(() => Decide(rule, [1, 2], AggregationContext.None));
        Assert.Contains("validation data", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateAsync_PaperNameAndCanonicalName_GiveTheSameCanonicalSpec()
    {
        const string canonical = "zenopp:rho=0.002,eps=0.1,k=5,form=reference";
        Assert.Equal(canonical, AggregatorCatalog.BuiltIn.CreateAsync("zeno++:rho=0.002,k=5").Spec);
        Assert.Equal(canonical, AggregatorCatalog.BuiltIn.CreateAsync(canonical).Spec);
        Assert.Equal("zenopp:rho=0.001,eps=0.1,k=10,form=reference", AggregatorCatalog.BuiltIn.CreateAsync(" zeno++ ").Spec);
        Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("zeno++:k=0"));
        Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("zeno++:form=fancy"));
    }

    [Fact]
    public void Decide_AfterWarmUp_AllocatesNothing()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("zeno++:k=1");
        var oracle = QuadraticValidationOracle.Isotropic(0, 0);
        var update = new float[2];
        var message = new AsyncMessage(0, 0, 0, new float[] { 3, 4 });
        rule.Decide(message, Context(oracle, [3, 4], 0), update);
        var context = Context(oracle, [3, 4], 1);
        Assert.Equal(0, ThreadAllocations.Least(() =>
        {
            rule.Decide(message, context, update);
            rule.Decide(message, context, update);
        }));
    }
}
