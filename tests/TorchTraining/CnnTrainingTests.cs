using SimByz.Gpu;
using SimByz.Gpu.Models;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
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
        var data = Images(64, channels: 1, side: 8, seed: 3);
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

    /// <summary>Two-class images: class 1 is brighter in the left half, class 0 in the right half, plus noise.</summary>
    private static Dataset Images(int count, int channels, int side, ulong seed, int classes = 2)
    {
        var rng = new RandomStream(seed);
        int f = channels * side * side;
        var features = new float[count * f];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % classes;
            for (int c = 0; c < channels; c++)
            {
                for (int r = 0; r < side; r++)
                {
                    for (int col = 0; col < side; col++)
                    {
                        bool left = col < side / 2;
                        double signal = (labels[i] % 2 == 1) == left ? 1.0 : 0.0;
                        features[i * f + (c * side + r) * side + col] = (float)(signal + 0.3 * rng.NextNormal());
                    }
                }
            }
        }
        return new Dataset(features, count, f, labels, classes);
    }
}
