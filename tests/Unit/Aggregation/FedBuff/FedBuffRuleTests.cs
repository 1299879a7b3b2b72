using SimByz.Aggregation;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.FedBuff;

public class FedBuffRuleTests
{
    private static AsyncDecision Decide(IAsyncAggregator rule, float[] u, long staleness, float[] update)
        => rule.Decide(new AsyncMessage(0, 0, staleness, u), new AggregationContext { LearningRate = 0.1 }, update);

    [Fact]
    public void Decide_HoldsKMinusOneThenAppliesEtaTimesTheMean()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("fedbuff:k=3,eta=2");
        var update = new float[2];
        Assert.True(Decide(rule, [1, 2], 0, update).Held);
        Assert.True(Decide(rule, [3, 4], 5, update).Held);
        Assert.Equal([0f, 0f], update);
        var last = Decide(rule, [5, 0], 0, update);
        Assert.True(last.Accepted);
        Assert.False(last.Held);
        Assert.Equal([6f, 4f], update); // 2 · (9, 6)/3
        // The buffer starts again.
        Assert.True(Decide(rule, [1, 1], 0, update).Held);
    }

    [Fact]
    public void Decide_SqrtStaleness_ScalesEachUpdateBeforeAveraging()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("fedbuff:k=2,staleness=sqrt");
        var update = new float[1];
        Decide(rule, [2], 3, update);            // 2/√4 = 1
        Assert.True(Decide(rule, [3], 0, update).Accepted);
        Assert.Equal(2f, update[0]);             // (1 + 3)/2
    }

    [Fact]
    public void Spec_IsCanonical() => Assert.Equal("fedbuff:k=10,eta=1,staleness=none", AggregatorCatalog.BuiltIn.CreateAsync("fedbuff").Spec);
}
