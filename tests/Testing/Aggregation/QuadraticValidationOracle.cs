using SimByz.Aggregation;

namespace SimByz.Testing.Aggregation;

/// <summary>
/// An analytic validation oracle for Zeno/Zeno++ tests: f(x) = ½ Σⱼ aⱼ (xⱼ − cⱼ)² (diagonal A,
/// centre c), whose loss and gradient ∇f(x)ⱼ = aⱼ (xⱼ − cⱼ) are exact (computed in float64 from the
/// float32 inputs; the gradient is rounded to float32 once). Counts its calls so tests can check
/// how often a rule consults it.
/// </summary>
public sealed class QuadraticValidationOracle : IValidationOracle
{
    private readonly double[] _curvature;
    private readonly double[] _center;

    /// <param name="curvature">aⱼ ≥ 0, the diagonal of A.</param>
    /// <param name="center">cⱼ, the minimizer.</param>
    public QuadraticValidationOracle(double[] curvature, double[] center)
    {
        if (curvature.Length != center.Length) throw new ArgumentException("curvature and center lengths differ");
        _curvature = (double[])curvature.Clone();
        _center = (double[])center.Clone();
    }

    /// <summary>f(x) = ½‖x − c‖² (A = I).</summary>
    public static QuadraticValidationOracle Isotropic(params double[] center)
        => new(Enumerable.Repeat(1.0, center.Length).ToArray(), center);

    public int Dimension => _center.Length;

    /// <summary>Calls of <see cref="Loss"/>.</summary>
    public int LossCalls { get; private set; }

    /// <summary>Calls of <see cref="LossAndGradient"/>.</summary>
    public int GradientCalls { get; private set; }

    public double Loss(ReadOnlySpan<float> parameters)
    {
        LossCalls++;
        return Evaluate(parameters);
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        GradientCalls++;
        for (int j = 0; j < _center.Length; j++) gradient[j] = (float)(_curvature[j] * (parameters[j] - _center[j]));
        return Evaluate(parameters);
    }

    /// <summary>Moves the centre c (as if the server drew another validation batch).</summary>
    public void SetCenter(params double[] center)
    {
        if (center.Length != _center.Length) throw new ArgumentException("dimension differs");
        center.CopyTo(_center, 0);
    }

    private double Evaluate(ReadOnlySpan<float> x)
    {
        if (x.Length != _center.Length) throw new ArgumentException($"expected {_center.Length} parameters, got {x.Length}");
        double sum = 0;
        for (int j = 0; j < _center.Length; j++)
        {
            double r = x[j] - _center[j];
            sum += _curvature[j] * r * r;
        }
        return 0.5 * sum;
    }
}
