using SimByz.Gpu;
using SimByz.Gpu.Models;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.TorchTraining;

/// <summary>
/// The CNN learns with a few SGD steps on the torch backend (CPU).
/// </summary>
/// <remarks>
/// Alone in its own test process on purpose: in a process that has already run other torch work
/// (the Cli torch tests, the other torch model tests), libtorch 2.10's CPU backward of the first
/// convolution (one input channel) intermittently returns NaN for that layer's weight and bias
/// gradients (all 104 of them at step 0 in the cases seen), while the loss and every other gradient
/// are finite: it depends on what the process's memory held before, not on seeds, thread count or
/// learning rate. That is a defect of the torch backend, recorded in the project notes; this test
/// keeps checking that the model itself trains.
/// </remarks>
public sealed class CnnTrainingTests
{
    [Fact]
    public void Cnn_FewSgdSteps_LossDecreases()
    {
        var data = TestImages.TwoHalves(64, channels: 1, side: 8, seed: 3);
        var model = TorchModels.Create("cnn:c1=4,c2=4,fc=8", data.FeatureCount, data.ClassCount, TorchDevice.Cpu);
        var x = new float[model.ParameterCount];
        model.Initialize(x, new RandomStream(1));
        var all = Enumerable.Range(0, data.Count).ToArray();
        double before = model.Loss(x, data, all);
        var g = new float[x.Length];
        for (int step = 0; step < 30; step++)
        {
            model.LossAndGradient(x, data, all.AsSpan(step % 4 * 16, 16), g);
            for (int i = 0; i < x.Length; i++) x[i] -= 0.1f * g[i];
        }
        var after = model.Evaluate(x, data, all);
        Assert.True(after.Loss < before * 0.7, $"loss {before} → {after.Loss}");
        Assert.True(after.Accuracy > 0.8, $"accuracy {after.Accuracy}");
    }
}
