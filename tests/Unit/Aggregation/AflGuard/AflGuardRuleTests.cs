using SimByz.Aggregation;
using SimByz.Testing.Aggregation;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.AflGuard;

public class AflGuardRuleTests
{
    // f(x) = ½‖x‖² at x = (3, 4): g_s = (3, 4), ‖g_s‖ = 5.
    [Theory]
    [InlineData(3f, 4f, 1.0, true, 0.0)]
    [InlineData(6f, 8f, 1.0, true, 1.0)]      // ‖g − g_s‖ = 5 = λ‖g_s‖: on the boundary, accepted
    [InlineData(-3f, -4f, 1.5, false, 2.0)]   // 10 > 7.5
    [InlineData(-3f, -4f, 2.0, true, 2.0)]    // 10 ≤ 10
    [InlineData(0f, 0f, 0.5, false, 1.0)]     // 5 > 2.5
    public void Decide_AcceptsIffDistanceWithinLambdaServerNorm(float g0, float g1, double lambda, bool accepted, double score)
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync(FormattableString.Invariant($"aflguard:lambda={lambda}"));
        var oracle = QuadraticValidationOracle.Isotropic(0, 0);
        var update = new float[2];
        var decision = rule.Decide(new AsyncMessage(0, 0, 0, new[] { g0, g1 }), new AggregationContext { Model = new float[] { 3, 4 }, Oracle = oracle, LearningRate = 0.1 }, update);
        Assert.Equal(accepted, decision.Accepted);
        Assert.Equal(score, decision.Score, 9);
        Assert.Equal(accepted ? [g0, g1] : [0f, 0f], update);
        Assert.Equal(1, oracle.GradientCalls);
    }

    [Fact]
    public void Decide_WithoutOracle_Throws()
        => Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("aflguard").Decide(new AsyncMessage(0, 0, 0, new float[] { 1 }), AggregationContext.None, new float[1]));

    [Fact]
    public void Create_NonPositiveLambda_Throws()
        => Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("aflguard:lambda=0"));
}
