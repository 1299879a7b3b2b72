using System.Numerics.Tensors;
using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// The deterministic building blocks the managed models share.
/// </summary>
/// <remarks>
/// Every reduction goes through <see cref="DetVec"/> (fixed order, float64 accumulation); updates of
/// the form y ← y + a·x are done as two element-wise passes (<c>TensorPrimitives.Multiply</c> into a
/// scratch span, then <c>TensorPrimitives.Add</c>) so multiply and add round separately (no FMA)
/// whatever the vector width; exp/log come from <see cref="DetMath"/>.
/// </remarks>
internal static class Kernels
{
    /// <summary>y ← y + a·x (float32, multiply then add, element-wise). <paramref name="scratch"/> has x's length.</summary>
    public static void AddScaled(Span<float> y, ReadOnlySpan<float> x, float a, Span<float> scratch)
    {
        TensorPrimitives.Multiply(x, a, scratch);
        TensorPrimitives.Add(y, scratch, y);
    }

    /// <summary>
    /// Softmax cross-entropy of <paramref name="logits"/> with class <paramref name="label"/>, by the
    /// stable log-sum-exp: with m = max z, loss = m + log Σ exp(z_c − m) − z_y. When
    /// <paramref name="probabilities"/> is not empty it receives softmax(z) (computed from the same
    /// shifted exponentials).
    /// </summary>
    public static double SoftmaxCrossEntropy(ReadOnlySpan<double> logits, int label, Span<double> probabilities)
    {
        double m = double.NegativeInfinity;
        for (int c = 0; c < logits.Length; c++) if (logits[c] > m) m = logits[c];
        double s = 0;
        bool keep = !probabilities.IsEmpty;
        for (int c = 0; c < logits.Length; c++)
        {
            double e = DetMath.Exp(logits[c] - m);
            if (keep) probabilities[c] = e;
            s += e;
        }
        if (keep)
        {
            double inv = 1.0 / s;
            for (int c = 0; c < logits.Length; c++) probabilities[c] *= inv;
        }
        return m + DetMath.Log(s) - logits[label];
    }

    /// <summary>Index of the largest value; the lowest index wins ties.</summary>
    public static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = 0;
        for (int c = 1; c < values.Length; c++) if (values[c] > values[best]) best = c;
        return best;
    }

    /// <summary>Checks the shapes every call shares (programming errors, not user errors).</summary>
    public static void CheckCall(string model, int parameterCount, int featureCount, ReadOnlySpan<float> parameters, Dataset data, int rowCount)
    {
        if (parameters.Length != parameterCount)
        {
            throw new ArgumentException($"{model}: {parameters.Length} parameters given, the model has {parameterCount}", nameof(parameters));
        }
        if (data.FeatureCount != featureCount)
        {
            throw new ArgumentException($"{model}: the data has {data.FeatureCount} features, the model expects {featureCount}", nameof(data));
        }
        if (rowCount == 0) throw new ArgumentException($"{model}: no rows given (the loss is a mean over at least one example)");
    }

    /// <summary>Checks the gradient span's length.</summary>
    public static void CheckGradient(string model, int parameterCount, Span<float> gradient)
    {
        if (gradient.Length != parameterCount)
        {
            throw new ArgumentException($"{model}: gradient has length {gradient.Length}, the model has {parameterCount} parameters", nameof(gradient));
        }
    }

    /// <summary>Targets of a regression dataset, or a clear error.</summary>
    public static float[] RequireTargets(string model, Dataset data)
        => data.Targets ?? throw new ArgumentException($"{model} needs regression targets; the dataset has class labels");

    /// <summary>Labels of a classification dataset, or a clear error.</summary>
    public static int[] RequireLabels(string model, Dataset data)
        => data.Labels ?? throw new ArgumentException($"{model} needs class labels; the dataset has regression targets");

    /// <summary>Uniform on [−limit, limit), as float32, from <paramref name="rng"/>.</summary>
    public static void FillUniform(Span<float> values, double limit, RandomStream rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)((2.0 * rng.NextDouble() - 1.0) * limit);
    }
}
