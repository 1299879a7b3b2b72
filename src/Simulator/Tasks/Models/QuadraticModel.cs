using SimByz.Specs;
using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// A strongly convex quadratic "model" for theory checks: each example is a point z_i (its
/// features) and f(x) = (μ/2)·mean_{i∈B} ‖x − z_i‖², so ∇f(x) = μ·(x − mean_{i∈B} z_i).
/// </summary>
/// <remarks>
/// <para>μ-strongly convex and μ-smooth; over a set of rows its unique minimizer is the mean of
/// their points (<see cref="Optimum"/>), with minimum (μ/2)·mean ‖z_i − z̄‖². Parameters: x, one per
/// feature (d values). Initialization: all zero. Spec <c>quadratic</c> or <c>quadratic:mu=2</c>
/// (default μ = 1). Works on any dataset (labels/targets are ignored); accuracy is NaN.</para>
/// <para>‖x − z_i‖² by <see cref="DetVec.SquaredDistance"/>; the gradient is accumulated as
/// Σ (x − z_i) in float32 in row order, then scaled by μ/|B|. Not thread-safe (scratch buffers).</para>
/// </remarks>
internal sealed class QuadraticModel : IModel
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("quadratic", "strongly convex quadratic f(x) = (μ/2)·mean ‖x − z_i‖² over the examples' feature vectors; optimum = their mean; zero init",
            "theory check (μ-strongly convex, μ-smooth)", "any data",
            [new ParameterInfo("mu", "number > 0", "1", "curvature μ")]);

    private const string Name = "quadratic";
    private readonly int _features;
    private readonly double _mu;
    private readonly float[] _scratch;

    public QuadraticModel(int featureCount, double mu = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (!(mu > 0) || !double.IsFinite(mu)) throw new ArgumentOutOfRangeException(nameof(mu), "μ must be positive and finite");
        _features = featureCount;
        _mu = mu;
        _scratch = new float[featureCount];
        Spec = mu == 1.0 ? Name : Name + ":mu=" + mu.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Spec { get; }

    /// <summary>The curvature μ.</summary>
    public double Mu => _mu;

    public int ParameterCount => _features;

    public void Initialize(Span<float> parameters, RandomStream rng)
    {
        Kernels.CheckGradient(Name, ParameterCount, parameters);
        parameters.Clear();
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        Kernels.CheckGradient(Name, ParameterCount, gradient);
        gradient.Clear();
        double sum = 0;
        foreach (int r in rows)
        {
            var z = data.Example(r);
            sum += DetVec.SquaredDistance(parameters, z);
            System.Numerics.Tensors.TensorPrimitives.Subtract(parameters, z, _scratch);
            System.Numerics.Tensors.TensorPrimitives.Add(gradient, _scratch, gradient);
        }
        System.Numerics.Tensors.TensorPrimitives.Multiply(gradient, (float)(_mu / rows.Length), gradient);
        return 0.5 * _mu * sum / rows.Length;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        double sum = 0;
        foreach (int r in rows) sum += DetVec.SquaredDistance(parameters, data.Example(r));
        return 0.5 * _mu * sum / rows.Length;
    }

    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
        => new(Loss(parameters, data, rows), double.NaN);

    public IModel Clone() => new QuadraticModel(_features, _mu);

    /// <summary>
    /// The closed-form minimizer over <paramref name="rows"/>: the mean of their points, summed in
    /// float64 in row order and rounded to float32 once.
    /// </summary>
    public static float[] Optimum(Dataset data, ReadOnlySpan<int> rows)
    {
        if (rows.Length == 0) throw new ArgumentException("no rows", nameof(rows));
        var sum = new double[data.FeatureCount];
        foreach (int r in rows)
        {
            var z = data.Example(r);
            for (int j = 0; j < sum.Length; j++) sum[j] += z[j];
        }
        var x = new float[sum.Length];
        for (int j = 0; j < x.Length; j++) x[j] = (float)(sum[j] / rows.Length);
        return x;
    }
}
