using System.Runtime.Intrinsics;
using FsCheck;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks.Models;
using Xunit;

namespace SimByz.Tests.Properties.Simulator;

/// <summary>
/// Fast paths of the managed models against their reference arithmetic: the same bits for any shape and any values.
/// </summary>
public class ModelArithmeticProperties
{
    /// <summary>A float32 value: mostly normal of scales 10⁻³…10³; with <paramref name="hostile"/>, sometimes 0, −0, a
    /// subnormal or a huge value, and rarely ±∞ or NaN (a case full of NaN would compare nothing but NaN).</summary>
    private static float Value(RandomStream rng, bool hostile)
    {
        return (hostile ? rng.NextInt(200) : 199) switch
        {
            < 4 => 0f,
            < 8 => -0f,
            < 14 => (float)(rng.NextNormal() * 1e-40),
            < 18 => (float)(rng.NextNormal() * 1e30),
            18 => rng.NextInt(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity,
            19 => float.NaN,
            _ => (float)(rng.NextNormal() * Math.Pow(10, rng.NextInt(7) - 3)),
        };
    }

    /// <summary>
    /// Softmax regression's class-lane logits (classes across the 512-bit lanes) give the loss and the gradient of the
    /// per-class dot products (Kernels.MatVec) bit for bit: any number of classes (2–16) and features (1–64, so full
    /// blocks of eight, tails and both), any batch the class lanes take (8–31 rows), any values (a third of the cases with zeros of both signs, subnormals, huge values, ±∞ and NaN among them).
    /// Without 512-bit vectors the class-lane path is not taken and the property says so.
    /// </summary>
    [BudgetedProperty]
    public void SoftmaxClassLaneLogits_SameBitsAsPerClassDotProducts(PositiveInt seed, byte classesDraw, byte featuresDraw, byte batchDraw)
    {
        int classes = 2 + classesDraw % 15, features = 1 + featuresDraw % 64;
        int batch = SoftmaxRegressionModel.ClassLaneMinRows + batchDraw % 24;
        var rng = new RandomStream((ulong)seed.Get);
        bool hostile = rng.NextInt(3) == 0;
        var x = new float[batch * features];
        for (int i = 0; i < x.Length; i++) x[i] = Value(rng, hostile);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(classes);
        var data = new Dataset(x, batch, features, labels, classes);
        var lanes = new SoftmaxRegressionModel(features, classes);
        var reference = new SoftmaxRegressionModel(features, classes) { ClassLanesEnabled = false };
        Assert.Equal(Vector512.IsHardwareAccelerated, lanes.UsesClassLanes);
        Assert.False(reference.UsesClassLanes);
        var parameters = new float[lanes.ParameterCount];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = Value(rng, hostile);
        var rows = Enumerable.Range(0, batch).Select(_ => rng.NextInt(batch)).ToArray();

        var fast = new float[parameters.Length];
        var slow = new float[parameters.Length];
        double fastLoss = lanes.LossAndGradient(parameters, data, rows, fast);
        double slowLoss = reference.LossAndGradient(parameters, data, rows, slow);

        Assert.Equal(BitConverter.DoubleToInt64Bits(slowLoss), BitConverter.DoubleToInt64Bits(fastLoss));
        for (int i = 0; i < fast.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(slow[i]) == BitConverter.SingleToInt32Bits(fast[i]),
                $"gradient[{i}] of {classes} classes × {features} features, batch {batch}: class lanes {fast[i]:R}, per class {slow[i]:R}");
        }
    }
}
