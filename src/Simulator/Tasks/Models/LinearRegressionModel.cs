using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// Linear regression with the squared loss: prediction ŷ = w·x + b, loss over a batch B
/// L = (1/(2|B|)) Σ_{i∈B} (w·x_i + b − y_i)² (half the mean squared error, so ∇_w L = mean of r_i·x_i).
/// </summary>
/// <remarks>
/// <para>Parameter layout (d + 1 values): w[0..d) then b. Initialization: all zero (convex; no
/// symmetry to break). Spec <c>linear</c>; needs a regression dataset (targets).</para>
/// <para>Deterministic bit for bit: w·x by <see cref="DetVec.Dot"/>, residuals in float64, the
/// gradient accumulated in float32 in row order with multiply and add rounded separately, the loss
/// summed in float64 in row order. Accuracy is NaN. Not thread-safe by contract (stateless today).</para>
/// </remarks>
internal sealed class LinearRegressionModel : IModel
{
    private const string Name = "linear";
    private readonly int _features;

    public LinearRegressionModel(int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        _features = featureCount;
    }

    public string Spec => Name;

    public int ParameterCount => _features + 1;

    public void Initialize(Span<float> parameters, RandomStream rng)
    {
        Kernels.CheckGradient(Name, ParameterCount, parameters);
        parameters.Clear();
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        Kernels.CheckGradient(Name, ParameterCount, gradient);
        float[] targets = Kernels.RequireTargets(Name, data);
        var w = parameters[.._features];
        double b = parameters[_features];
        var gw = gradient[.._features];
        gradient.Clear();
        double inv = 1.0 / rows.Length, loss = 0;
        float gb = 0;
        foreach (int r in rows)
        {
            var x = data.Example(r);
            double residual = DetVec.Dot(w, x) + b - targets[r];
            loss += 0.5 * residual * residual;
            float dz = (float)(residual * inv);
            Kernels.AddScaled(gw, x, dz);
            gb += dz;
        }
        gradient[_features] = gb;
        return loss / rows.Length;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        float[] targets = Kernels.RequireTargets(Name, data);
        var w = parameters[.._features];
        double b = parameters[_features], loss = 0;
        foreach (int r in rows)
        {
            double residual = DetVec.Dot(w, data.Example(r)) + b - targets[r];
            loss += 0.5 * residual * residual;
        }
        return loss / rows.Length;
    }

    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
        => new(Loss(parameters, data, rows), double.NaN);

    public IModel Clone() => new LinearRegressionModel(_features);
}
