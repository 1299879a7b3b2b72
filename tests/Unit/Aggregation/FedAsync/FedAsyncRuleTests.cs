using SimByz.Aggregation;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.FedAsync;

public class FedAsyncRuleTests
{
    private const double Gamma = 0.5;

    private static (AsyncDecision Decision, float[] Update) Decide(IAsyncAggregator rule, long read, long version, float[] model, float[] u)
    {
        var update = new float[u.Length];
        var decision = rule.Decide(new AsyncMessage(0, read, version - read, u), new AggregationContext { Model = model, LearningRate = Gamma, Round = version }, update);
        return (decision, update);
    }

    [Theory]
    [InlineData("fedasync:alpha=0.5,s=constant", 0, 1.0)]
    [InlineData("fedasync:alpha=0.5,s=constant", 9, 1.0)]
    [InlineData("fedasync:alpha=0.5,s=polynomial,a=0.5", 3, 0.5)]    // (3 + 1)^−½
    [InlineData("fedasync:alpha=0.5,s=hinge,a=10,b=4", 4, 1.0)]
    [InlineData("fedasync:alpha=0.5,s=hinge,a=10,b=4", 6, 1.0 / 21)] // 1/(10·2 + 1)
    public void StalenessWeight_FollowsThePaper(string spec, long staleness, double s)
        => Assert.Equal(s, ((SimByz.Aggregation.Rules.FedAsyncRule)AggregatorCatalog.BuiltIn.CreateAsync(spec)).StalenessWeight(staleness), 12);

    [Fact]
    public void Decide_StaleMessage_MixesTheClientModelRebuiltFromTheReadVersion()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("fedasync:alpha=0.5,s=constant");
        // τ = 0: x_client = x − γu, so the update is α·u.
        var (first, u0) = Decide(rule, 0, 0, [0, 0], [4, 4]);
        Assert.True(first.Accepted);
        Assert.Equal([2f, 2f], u0);
        // A second worker read version 0, x = (0, 0), and sent u = (2, 0): x_client = (0, 0) − 0.5·(2, 0) = (−1, 0).
        // Version 1: the server is at x = (4, 8). The stale message arrives: x ← ½(4, 8) + ½(−1, 0) = (1.5, 4).
        var (second, update) = Decide(rule, 0, 1, [4, 8], [2, 0]);
        Assert.True(second.Accepted);
        float[] x = [4, 8];
        float[] next = [x[0] - (float)Gamma * update[0], x[1] - (float)Gamma * update[1]];
        Assert.Equal(1.5f, next[0], 5);
        Assert.Equal(4f, next[1], 5);
    }

    [Fact]
    public void Decide_ReadVersionOutsideTheWindow_Rejected()
    {
        var rule = AggregatorCatalog.BuiltIn.CreateAsync("fedasync:window=2");
        for (long v = 0; v <= 5; v++) Decide(rule, v, v, [v, 0], [0, 0]);
        Assert.True(Decide(rule, 3, 5, [5, 0], [1, 1]).Decision.Accepted);
        var (old, update) = Decide(rule, 2, 5, [5, 0], [1, 1]);
        Assert.False(old.Accepted);
        Assert.Contains("no longer kept", old.Reason, StringComparison.Ordinal);
        Assert.Equal([0f, 0f], update);
    }
}
