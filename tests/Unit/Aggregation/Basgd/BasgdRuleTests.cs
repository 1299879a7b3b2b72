using SimByz.Aggregation;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Basgd;

public class BasgdRuleTests
{
    private static AsyncDecision Decide(IAsyncAggregator rule, int worker, float[] u, float[] update)
        => rule.Decide(new AsyncMessage(worker, 0, 0, u), new AggregationContext { LearningRate = 0.1 }, update);

    [Fact]
    public void Decide_UpdatesWhenEveryBufferHoldsAMessage_MedianOfBufferMeans()
    {
        // B = 3: workers 0 and 3 share buffer 0; 1 → buffer 1; 5 → buffer 2.
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("basgd:b=3,rule=median", new AggregatorBuildContext(DeclaredByzantine: 1));
        var update = new float[1];
        Assert.True(Decide(rule, 0, [1], update).Held);
        Assert.True(Decide(rule, 3, [3], update).Held);    // buffer 0 mean 2
        Assert.True(Decide(rule, 1, [100], update).Held);  // buffer 1: a Byzantine outlier
        Assert.True(Decide(rule, 1, [200], update).Held);  // buffer 1 mean 150
        var last = Decide(rule, 5, [4], update);           // buffer 2 mean 4: median(2, 150, 4) = 4
        Assert.True(last.Accepted);
        Assert.Equal(4f, update[0]);
        Assert.True(Decide(rule, 0, [1], update).Held);    // buffers emptied
    }

    [Fact]
    public void Create_RuleToleranceCheckedForBBuffers()
        => Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("basgd:b=4,rule=krum", new AggregatorBuildContext(DeclaredByzantine: 2)));

    [Fact]
    public void Create_RuleWithParameters_Throws()
        => Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync("basgd:b=4,rule=krum+median"));

    [Fact]
    public void Spec_IsCanonical() => Assert.Equal("basgd:b=4,rule=trimmed-mean", AggregatorCatalog.BuiltIn.CreateAsync("basgd:b=4,rule=trimmed-mean", new AggregatorBuildContext(DeclaredByzantine: 1)).Spec);
}
