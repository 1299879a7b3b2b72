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
    /// <summary>A normal float32 of scale 10⁻³…10³.</summary>
    private static float Normal(RandomStream rng) => (float)(rng.NextNormal() * Math.Pow(10, rng.NextInt(7) - 3));

    /// <summary>The special values of a hostile case, of one <paramref name="kind"/>: 0 zeros of either sign, 1 subnormals,
    /// 2 huge values, 3 ±∞, 4 NaN with a payload of its own (so that which NaN reaches the output is visible).</summary>
    private static float Special(RandomStream rng, int kind) => kind switch
    {
        0 => rng.NextInt(2) == 0 ? 0f : -0f,
        1 => (float)(rng.NextNormal() * 1e-40),
        2 => (float)(rng.NextNormal() * 1e18),
        3 => rng.NextInt(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity,
        _ => BitConverter.Int32BitsToSingle((rng.NextInt(2) == 0 ? 0x7FC00000 : unchecked((int)0xFFC00000)) | (1 + rng.NextInt(0x3FFFFF))),
    };

    private static bool SameBits(double a, double b) => double.IsNaN(a) ? double.IsNaN(b) : BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    private static bool SameBits(float a, float b) => float.IsNaN(a) ? float.IsNaN(b) : BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b);

    /// <summary>Puts <paramref name="count"/> special values of <paramref name="kind"/> at random positions of <paramref name="values"/>.</summary>
    private static void Sprinkle(float[] values, RandomStream rng, int kind, int count)
    {
        for (int k = 0; k < count; k++) values[rng.NextInt(values.Length)] = Special(rng, kind);
    }

    /// <summary>
    /// Softmax regression's class-lane logits (classes across the 512-bit lanes) give the loss and the gradient of the
    /// per-class dot products (Kernels.MatVec) bit for bit (NaN results: NaN on both paths, payloads not compared): any number of classes (2–16) and features (1–64, so full
    /// blocks of eight, tails and both), any batch the class lanes take (8–31 rows), any values (a third of the cases with one kind of special value
    /// among the features or the parameters: zeros of both signs, subnormals, huge values, ±∞, or NaNs with payloads).
    /// Without 512-bit vectors the class-lane path is not taken and the property says so.
    /// </summary>
    [BudgetedProperty]
    public void SoftmaxClassLaneLogits_SameBitsAsPerClassDotProducts(PositiveInt seed, byte classesDraw, byte featuresDraw, byte batchDraw)
    {
        int classes = 2 + classesDraw % 15, features = 1 + featuresDraw % 64;
        int batch = SoftmaxRegressionModel.ClassLaneMinRows + batchDraw % 24;
        var rng = new RandomStream((ulong)seed.Get);
        // Two cases in three all normal values; the third of one special kind: zeros and subnormals in many places,
        // huge values, infinities and NaNs in one or two (more would make every output NaN and compare nothing).
        int kind = rng.NextInt(3) == 0 ? rng.NextInt(5) : -1;
        var x = new float[batch * features];
        for (int i = 0; i < x.Length; i++) x[i] = Normal(rng);
        var parameters = new float[classes * (features + 1)];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = Normal(rng);
        if (kind >= 0)
        {
            int count = kind <= 1 ? 1 + rng.NextInt(x.Length / 4 + 1) : 1 + rng.NextInt(2);
            Sprinkle(rng.NextInt(2) == 0 ? x : parameters, rng, kind, count);
        }
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(classes);
        var data = new Dataset(x, batch, features, labels, classes);
        var lanes = new SoftmaxRegressionModel(features, classes);
        var reference = new SoftmaxRegressionModel(features, classes) { ClassLanesEnabled = false };
        Assert.Equal(Vector512.IsHardwareAccelerated, lanes.UsesClassLanes);
        Assert.False(reference.UsesClassLanes);
        Assert.Equal(parameters.Length, lanes.ParameterCount);
        var rows = Enumerable.Range(0, batch).Select(_ => rng.NextInt(batch)).ToArray();

        var fast = new float[parameters.Length];
        var slow = new float[parameters.Length];
        double fastLoss = lanes.LossAndGradient(parameters, data, rows, fast);
        double slowLoss = reference.LossAndGradient(parameters, data, rows, slow);

        // Every non-NaN result bit for bit; a NaN result NaN on both paths. Which of two NaN operands with different
        // payloads an x86 operation returns depends on the operand order the JIT emits, fixed by neither path (SimByz
        // itself only ever makes the default NaN), so NaN payloads are not compared.
        Assert.True(SameBits(slowLoss, fastLoss), $"loss: class lanes {fastLoss:R}, per class {slowLoss:R}");
        for (int i = 0; i < fast.Length; i++)
        {
            Assert.True(SameBits(slow[i], fast[i]),
                $"gradient[{i}] of {classes} classes × {features} features, batch {batch}: class lanes {fast[i]:R}, per class {slow[i]:R}");
        }
    }
}
