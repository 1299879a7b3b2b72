using SimByz.Simulator.Engine;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

public class MetricsRowSampleTests
{
    private static MetricsRow Row(long step) => new() { Defence = "mean", Step = step };

    [Fact]
    public void Add_BelowTheBound_KeepsEveryPoint()
    {
        var sample = new MetricsRowSample(8);
        for (int i = 0; i < 8; i++) sample.Add(Row(i));
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7], sample.ToList().Select(r => r.Step));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(100)]
    [InlineData(100_003)]
    public void Add_PastTheBound_KeepsTheFirstEveryKthAndTheLastWithinTheBound(int count)
    {
        var sample = new MetricsRowSample(8);
        for (int i = 0; i < count; i++) sample.Add(Row(i));
        var steps = sample.ToList().Select(r => r.Step).ToList();
        Assert.InRange(steps.Count, 5, 9);
        Assert.Equal(0, steps[0]);
        Assert.Equal(count - 1, steps[^1]);
        long stride = steps[1] - steps[0];
        Assert.True(stride > 1 && (stride & (stride - 1)) == 0, $"stride {stride}");
        for (int i = 1; i < steps.Count - 1; i++) Assert.Equal(i * stride, steps[i]);
    }

    [Fact]
    public void ReplaceLast_KeptOrNot_TheListEndsWithTheReplacement()
    {
        var sample = new MetricsRowSample(4);
        for (int i = 0; i < 11; i++) sample.Add(Row(i));
        sample.ReplaceLast(Row(10) with { TestAccuracy = 0.5 });
        Assert.Equal(0.5, sample.ToList()[^1].TestAccuracy);
        Assert.Equal(0.5, sample.Last!.TestAccuracy);
        Assert.Single(sample.ToList(), r => r.Step == 10);
    }
}
