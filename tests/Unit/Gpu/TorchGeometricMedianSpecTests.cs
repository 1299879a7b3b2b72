using SimByz.Aggregation;
using SimByz.Gpu;
using SimByz.Gpu.Composition;
using Xunit;

namespace SimByz.Tests.Unit.Gpu;

/// <summary>The geometric median's torch twin accepts exactly the ν the managed rule accepts (≥ 1e-250), with the same error.</summary>
[Collection(TorchCollection.Name)]
public sealed class TorchGeometricMedianSpecTests
{
    [Theory]
    [InlineData("geometric-median:nu=1e-251")]
    [InlineData("geometric-median:variant=fedlib,nu=5e-324")]
    public void NuBelowTheSmallest_TwinFailsWithTheManagedRulesMessage(string spec)
    {
        var context = new AggregatorBuildContext(DeclaredByzantine: 1);
        string managed = Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.Create(spec, context)).Message;
        string torch = Assert.Throws<SimByzException>(() => TorchComponents.CreateRule(spec, TorchDevice.Cpu, context)).Message;
        Assert.Equal(managed, torch);
    }

    [Fact]
    public void SmallestNu_TwinBuilds()
        => Assert.NotNull(TorchComponents.CreateRule("geometric-median:nu=1e-250", TorchDevice.Cpu, new AggregatorBuildContext(DeclaredByzantine: 1)));
}
