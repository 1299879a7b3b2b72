using SimByz.Simulator.Composition;
using SimByz.Simulator.Scenarios;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Composition;

public class MemoryEstimateTests
{
    private static MemoryEstimate Estimate(string steps, bool trace = true, bool payloads = false)
        => MemoryEstimate.Of(ScenarioLoader.Load("default", [$"budget.steps={steps}"]), CompositionRoot.Default, trace, payloads);

    [Fact]
    public void Of_MoreSteps_SameEstimate()
    {
        // Metrics rows and trace records are streamed to disk and resolved messages forgotten: nothing in memory grows with the steps.
        var shortRun = Estimate("10");
        Assert.Equal(shortRun, Estimate("1000000000000"));
        Assert.Equal(shortRun, Estimate("4611686018427387904"));
        Assert.Equal(0, shortRun.RecordBytes);
        Assert.Equal(shortRun, Estimate("1000000000000", trace: false));
        Assert.InRange(shortRun.Total, 1, 100_000_000);
    }

    [Fact]
    public void Of_RecordedPayloads_GrowWithTheStepsAndSaturate()
    {
        var few = Estimate("10", payloads: true);
        var many = Estimate("10000", payloads: true);
        Assert.Equal(1000 * few.RecordBytes, many.RecordBytes);
        Assert.Equal(long.MaxValue, Estimate("4611686018427387904", payloads: true).Total);
    }
}
