using SimByz.Aggregation;

using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Kardam;

public class KardamRuleTests
{
    private static (AsyncDecision Decision, float[] Update) Decide(IAsyncAggregator rule, int worker, float[] g, float[] model, long staleness = 0)
    {
        var update = new float[g.Length];
        var decision = rule.Decide(new AsyncMessage(worker, 0, staleness, g), new AggregationContext { Model = model, LearningRate = 0.1 }, update);
        return (decision, update);
    }

    [Fact]
    public void Decide_FirstMessageOfAWorker_AcceptedWithoutCoefficient()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("kardam:n=4,f=1,damping=none");
        var (decision, update) = Decide(rule, 0, [1, 2], [0, 0]);
        Assert.True(decision.Accepted);
        Assert.True(double.IsNaN(decision.Score));
        Assert.Equal([1f, 2f], update);
    }

    [Fact]
    public void Decide_CoefficientAboveTheQuantile_Rejected()
    {
        // n = 4, f = 1: accept k ≤ the ⌈3m/4⌉-th smallest coefficient.
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("kardam:n=4,f=1,damping=none");
        for (int w = 0; w < 4; w++) Decide(rule, w, [0, 0], [0, 0]);
        // Workers 0..2: gradient moved by 1 while the model moved by 1: k = 1, each accepted.
        for (int w = 0; w < 3; w++)
        {
            var (ok, _) = Decide(rule, w, [1, 0], [1, 0]);
            Assert.True(ok.Accepted);
            Assert.Equal(1.0, ok.Score);
        }
        // Worker 3: gradient moved by 100 for the same model step: k = 100; K = {1, 1, 1, 100}, rank 3 → threshold 1.
        var (bad, update) = Decide(rule, 3, [100, 0], [1, 0]);
        Assert.False(bad.Accepted);
        Assert.Equal(100.0, bad.Score);
        Assert.Equal([0f, 0f], update);
        Assert.Contains("Lipschitz", bad.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SameModelAsThePreviousMessage_AcceptedWithoutCoefficient()
    {
        var rule = (SimByz.Aggregation.Rules.KardamRule)AggregatorCatalog.BuiltIn.CreateAsync("kardam:n=4,f=1,damping=none");
        Decide(rule, 0, [1, 0], [0, 0]);
        var (decision, _) = Decide(rule, 0, [50, 0], [0, 0]);
        Assert.True(decision.Accepted);
        Assert.True(double.IsNaN(rule.Threshold));
    }

    [Theory]
    [InlineData("kardam:n=4,f=1,damping=exp,beta=0.5", 2, 0.36787944117144233)] // e^{−1}
    [InlineData("kardam:n=4,f=1,damping=inverse", 3, 0.25)]
    [InlineData("kardam:n=4,f=1,damping=none", 7, 1.0)]
    public void Decide_Accepted_DampedByStaleness(string spec, long staleness, double factor)
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync(spec);
        var (decision, update) = Decide(rule, 0, [2, -4], [0, 0], staleness);
        Assert.True(decision.Accepted);
        Assert.Equal((float)(2 * factor), update[0], 6);
        Assert.Equal((float)(-4 * factor), update[1], 6);
    }

    [Fact]
    public void Decide_NonFinite_Rejected()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("kardam:n=4,f=1");
        var (decision, update) = Decide(rule, 0, [float.NaN, 0], [0, 0]);
        Assert.False(decision.Accepted);
        Assert.Equal([0f, 0f], update);
    }

    [Fact]
    public void Create_TooManyByzantine_Throws()
        => Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("kardam:n=6,f=2"));

    [Fact]
    public void Spec_IsCanonical()
        => Assert.Equal("kardam:n=0,f=2,damping=exp,beta=1", AggregatorCatalog.BuiltIn.CreateAsync("kardam", new AggregatorBuildContext(DeclaredByzantine: 2)).Spec);
}
