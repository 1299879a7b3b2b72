using SimByz.Aggregation.Rules;
using SimByz.Specs;

namespace SimByz.Aggregation.PreAggregators;

/// <summary>
/// Static clipping: each input is scaled by min(1, τ/‖vᵢ‖) so its norm is at most τ (ByzFL <c>Clipping</c>).
/// </summary>
/// <remarks>
/// Norms are computed blocked (deterministic), the scaling in float64 with one rounding. Parameter
/// <c>tau</c> &gt; 0 is required (its scale depends on the task). Non-finite input: rows with a
/// non-finite norm are passed through unchanged for the rule to handle.
/// </remarks>
internal sealed class ClippingPreAggregator : IPreAggregator
{
    public static readonly ComponentInfo Info = new(
        "clipping", "scale each input to norm at most τ",
        "ByzFL Clipping (static clipping)", "the rule's condition",
        [new("tau", "number > 0", "required", "maximum norm τ")]);

    private readonly double _tau;
    private readonly PointDistances _norms = new();
    private readonly RowMixing _mixing = new();
    private float[] _zero = [];

    private ClippingPreAggregator(double tau) => _tau = tau;

    public static Func<IAggregator, IAggregator> Create(SpecParameters p, AggregatorBuildContext context)
    {
        double tau = p.RequireDouble("tau", min: double.Epsilon);
        return inner => new PreAggregatedRule(new ClippingPreAggregator(tau), inner);
    }

    public string Spec => field ??= FormattableString.Invariant($"clipping:tau={_tau:R}");

    public int OutputCount(int n) => n;

    public void Reset() { }

    public void Apply(GradientBatch input, float[] destination, Span<int> origin, Span<double> share)
    {
        int n = input.Count;
        if (_zero.Length != input.Dimension) _zero = new float[input.Dimension];
        _norms.Compute(input, _zero);
        _mixing.Prepare(n, n);
        for (int i = 0; i < n; i++)
        {
            origin[i] = i;
            share[i] = 1.0;
            double norm = Math.Sqrt(_norms.Squared[i]);
            _mixing.Weights[i * n + i] = double.IsFinite(norm) && norm > _tau ? _tau / norm : 1.0;
        }
        _mixing.Compute(input, destination);
    }
}
