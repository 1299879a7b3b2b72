using SimByz.Aggregation;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.AsyncSgd;

public class AsyncSgdRuleTests
{
    private static (AsyncDecision Decision, float[] Update) Decide(string spec, float[] u, long staleness)
    {
        var update = new float[u.Length];
        var decision = AggregatorCatalog.BuiltIn.CreateAsync(spec).Decide(new AsyncMessage(1, 10, staleness, u), AggregationContext.None, update);
        return (decision, update);
    }

    [Fact]
    public void Decide_Plain_AppliesEveryMessageUnchanged_EvenStaleOrNonFinite()
    {
        var (decision, update) = Decide("async-sgd", [1.5f, -2f], staleness: 7);
        Assert.True(decision.Accepted);
        Assert.Equal([1.5f, -2f], update);
        (decision, update) = Decide("async-sgd", [float.NaN, 1f], staleness: 0);
        Assert.True(decision.Accepted);
        Assert.True(float.IsNaN(update[0]));
    }

    [Theory]
    [InlineData(0, 8f)]
    [InlineData(1, 8f)]
    [InlineData(4, 2f)]
    public void Decide_StalenessAware_DividesByStaleness(long staleness, float expected)
    {
        var (decision, update) = Decide("async-sgd:variant=staleness-aware", [8f], staleness);
        Assert.True(decision.Accepted);
        Assert.Equal([expected], update);
    }

    [Fact]
    public void CreateAsync_Spec_IsCanonical()
    {
        Assert.Equal("async-sgd:variant=plain", AggregatorCatalog.BuiltIn.CreateAsync("async-sgd").Spec);
        Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("async-sgd:max-staleness=3"));
        Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("bucketing:s=2+async-sgd"));
    }
}
