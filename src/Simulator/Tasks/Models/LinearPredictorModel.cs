using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// The shell shared by the models with one linear predictor z = w·x + b and a per-row loss ℓ(z, y):
/// <see cref="LinearRegressionModel"/> and <see cref="LogisticRegressionModel"/>.
/// </summary>
/// <remarks>
/// <para>Parameter layout (d + 1 values): w[0..d) then b. Initialization: all zero (convex; no
/// symmetry to break).</para>
/// <para>Deterministic bit for bit: w·x by <see cref="DetVec.Dot"/>, the loss and ∂ℓ/∂z in float64,
/// the gradient accumulated in float32 in row order (∂ℓ/∂z / |B| rounded to float32, then
/// multiply and add rounded separately), the loss summed in float64 in row order. Not thread-safe by
/// contract (stateless today).</para>
/// </remarks>
/// <typeparam name="TLabel">The label type: float targets or int classes.</typeparam>
internal abstract class LinearPredictorModel<TLabel> : IModel
{
    private readonly int _features;

    protected LinearPredictorModel(string name, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        Spec = name;
        _features = featureCount;
    }

    public string Spec { get; }

    public int ParameterCount => _features + 1;

    /// <summary>True if <see cref="Correct"/> means something (classification); else accuracy is NaN.</summary>
    protected abstract bool HasAccuracy { get; }

    /// <summary>The labels of <paramref name="data"/>, checked to suit the model (one clear error otherwise).</summary>
    protected abstract TLabel[] Labels(Dataset data);

    /// <summary>ℓ(z, y); writes ∂ℓ/∂z.</summary>
    protected abstract double RowLoss(double z, TLabel y, out double dz);

    /// <summary>Whether the prediction for z is y (classification only).</summary>
    protected abstract bool Correct(double z, TLabel y);

    /// <summary>A fresh instance with the same feature count.</summary>
    protected abstract IModel Create(int featureCount);

    public void Initialize(Span<float> parameters, RandomStream rng)
    {
        Kernels.CheckGradient(Spec, ParameterCount, parameters);
        parameters.Clear();
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Kernels.CheckCall(Spec, ParameterCount, _features, parameters, data, rows.Length);
        Kernels.CheckGradient(Spec, ParameterCount, gradient);
        TLabel[] labels = Labels(data);
        var w = parameters[.._features];
        double b = parameters[_features];
        var gw = gradient[.._features];
        gradient.Clear();
        double inv = 1.0 / rows.Length, loss = 0;
        float gb = 0;
        foreach (int r in rows)
        {
            var x = data.Example(r);
            loss += RowLoss(DetVec.Dot(w, x) + b, labels[r], out double dLoss);
            float dz = (float)(dLoss * inv);
            Kernels.AddScaled(gw, x, dz);
            gb += dz;
        }
        gradient[_features] = gb;
        return loss / rows.Length;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => Evaluate(parameters, data, rows).Loss;

    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        Kernels.CheckCall(Spec, ParameterCount, _features, parameters, data, rows.Length);
        TLabel[] labels = Labels(data);
        var w = parameters[.._features];
        double b = parameters[_features], loss = 0;
        int correct = 0;
        foreach (int r in rows)
        {
            double z = DetVec.Dot(w, data.Example(r)) + b;
            loss += RowLoss(z, labels[r], out _);
            if (HasAccuracy && Correct(z, labels[r])) correct++;
        }
        return new(loss / rows.Length, HasAccuracy ? (double)correct / rows.Length : double.NaN);
    }

    public IModel Clone() => Create(_features);
}
