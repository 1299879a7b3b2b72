using SimByz.Aggregation;
using SimByz.Gpu;
using SimByz.Gpu.Aggregation;
using SimByz.Gpu.Composition;
using Xunit;

namespace SimByz.Tests.Unit.Gpu;

/// <summary>The torch backend's rules free their host staging tensor on <see cref="IDisposable.Dispose"/> and stay usable.</summary>
[Collection(TorchCollection.Name)]
public sealed class TorchAggregatorDisposeTests
{
    [Theory]
    [InlineData("median")]
    [InlineData("krum:f=1")]
    public void Dispose_FreesTheStagingTensor_AndTheNextCallGivesTheSameResult(string spec)
    {
        var rule = Assert.IsType<TorchAggregator>(TorchComponents.CreateRule(spec, TorchDevice.Cpu, new AggregatorBuildContext(DeclaredByzantine: 1)));
        const int n = 5, d = 37;
        var data = new float[n * d];
        for (int k = 0; k < data.Length; k++) data[k] = (k * 7919 % 101 - 50) / 10f;
        var batch = new GradientBatch(data, n, d);
        var context = new AggregationContext { Model = new float[d], LearningRate = 0.1 };
        var first = new float[d];
        var second = new float[d];
        Assert.False(rule.HoldsStaging);
        rule.Aggregate(batch, first, context);
        Assert.True(rule.HoldsStaging);
        rule.Dispose();
        Assert.False(rule.HoldsStaging);
        rule.Dispose(); // twice is harmless
        rule.Aggregate(batch, second, context);
        Assert.Equal(first, second);
        Assert.Contains(first, v => v != 0f);
        rule.Dispose();
    }

    [Fact]
    public void Dispose_CenteredClipping_FreesItsCenter_AndThenAggregatesAsAFreshRule()
    {
        // cc carries its center across rounds: a second call differs from the first; after Dispose it starts again.
        const string spec = "cc:tau=0.5,iters=1";
        var used = Assert.IsType<TorchAggregator>(TorchComponents.CreateRule(spec, TorchDevice.Cpu, new AggregatorBuildContext(DeclaredByzantine: 1)));
        var fresh = TorchComponents.CreateRule(spec, TorchDevice.Cpu, new AggregatorBuildContext(DeclaredByzantine: 1));
        const int n = 5, d = 9;
        var data = new float[n * d];
        for (int k = 0; k < data.Length; k++) data[k] = (k * 7919 % 101 - 50) / 10f;
        var batch = new GradientBatch(data, n, d);
        var context = new AggregationContext { Model = new float[d], LearningRate = 0.1 };
        float[] first = new float[d], second = new float[d], afterDispose = new float[d], freshFirst = new float[d];
        used.Aggregate(batch, first, context);
        used.Aggregate(batch, second, context);
        Assert.NotEqual(first, second); // the center moved
        used.Dispose();
        used.Aggregate(batch, afterDispose, context);
        fresh.Aggregate(batch, freshFirst, context);
        Assert.Equal(freshFirst, afterDispose);
        Assert.Equal(first, afterDispose);
        used.Dispose();
        (fresh as IDisposable)?.Dispose();
    }
}
