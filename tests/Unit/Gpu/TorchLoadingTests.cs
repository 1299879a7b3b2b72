using SimByz.Gpu;
using TorchSharp;
using Xunit;

namespace SimByz.Tests.Unit.Gpu;

[Collection(TorchCollection.Name)]
public sealed class TorchLoadingTests
{
    [Fact]
    public void TensorOperation_OnCpu_ComputesMatrixProduct()
    {
        var device = TorchDevice.Cpu;
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2], device: device.Device);
        var b = torch.tensor(new float[] { 5, 6, 7, 8 }, [2, 2], device: device.Device);
        float[] product = a.matmul(b).cpu().data<float>().ToArray();
        Assert.Equal(new float[] { 19, 22, 43, 50 }, product);
    }

    [Fact]
    public void ExpectedLibTorchVersion_MatchesTheLibtorchTorchSharpWasBuiltFor()
    {
        // The NuGet folder search uses the recorded version; TorchSharp reports it as 2.10.0.0.
        Assert.StartsWith(TorchRuntime.ExpectedLibTorchVersion + ".", torch.__version__ + ".", StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureAvailable_BuildOutputCarriesLibtorch_LoadsTheApplicationsCopy()
    {
        TorchRuntime.EnsureAvailable();

        Assert.Equal("the application folder", TorchRuntime.LibTorchSource);
    }
}
