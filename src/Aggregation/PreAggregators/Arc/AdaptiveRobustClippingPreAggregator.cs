using SimByz.Aggregation.Rules;
using SimByz.Specs;

namespace SimByz.Aggregation.PreAggregators;

/// <summary>
/// Adaptive robust clipping, ARC (Allouah, Guerraoui, Gupta, Jellouli, Rizk, Stephan, NeurIPS 2024;
/// ByzFL <c>ARC</c>): the k = ⌊2f/n·(n−f)⌋ inputs of largest norm are clipped to the norm of the
/// (k+1)-th largest.
/// </summary>
/// <remarks>
/// <para>k is computed in integers as ⌊2f(n−f)/n⌋. Norm ties are ranked by lowest index first (the
/// lower index counts as the larger). <c>f</c> defaults to the declared q; requires n &gt; 2f (checked
/// per call). Scaling in float64 with one rounding.</para>
/// <para>Non-finite input: rows with a non-finite norm rank as the largest and are passed through
/// unchanged (the rule handles them); if the (k+1)-th largest norm is itself non-finite, no finite row
/// is clipped.</para>
/// </remarks>
internal sealed class AdaptiveRobustClippingPreAggregator : IPreAggregator
{
    public static readonly ComponentInfo Info = new(
        "arc", "clip the ⌊2f/n·(n−f)⌋ largest-norm inputs to the next largest norm",
        "Allouah et al., NeurIPS 2024; ByzFL ARC", "n > 2f (and the rule's condition)",
        [new("f", "integer ≥ 0", "declared q (required if none)", "number of Byzantine inputs tolerated")]);

    private readonly int _f;
    private readonly PointDistances _norms = new();
    private readonly RowMixing _mixing = new();
    private float[] _zero = [];
    private double[] _negNorm = [];
    private int[] _order = [];

    private AdaptiveRobustClippingPreAggregator(int f) => _f = f;

    public static Func<IAggregator, IAggregator> Create(SpecParameters p, AggregatorBuildContext context)
    {
        int f = RuleParameters.ByzantineCount(p, context);
        return inner => new PreAggregatedRule(new AdaptiveRobustClippingPreAggregator(f), inner);
    }

    public string Spec => field ??= $"arc:f={_f}";

    public int OutputCount(int n) => n;

    public void Reset() { }

    /// <summary>k = ⌊2f(n−f)/n⌋, the number of inputs clipped.</summary>
    public static int ClippedCount(int n, int f) => (int)(2L * f * (n - f) / n);

    public void CheckTolerance(int n)
    {
        if (n <= 2L * _f) throw RuleParameters.Tolerance(Spec, "n > 2f", n);
    }

    public void Apply(GradientBatch input, float[] destination, Span<int> origin, Span<double> share)
    {
        int n = input.Count;
        CheckTolerance(n);
        if (_zero.Length != input.Dimension) _zero = new float[input.Dimension];
        if (_negNorm.Length < n)
        {
            _negNorm = new double[n];
            _order = new int[n];
        }
        _norms.Compute(input, _zero);
        var negNorm = _negNorm.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            double norm = Math.Sqrt(_norms.Squared[i]);
            negNorm[i] = double.IsFinite(norm) ? -norm : double.NegativeInfinity;
        }
        var order = _order.AsSpan(0, n);
        RuleParameters.OrderBy(order, negNorm, []);
        int k = ClippedCount(n, _f);
        double threshold = -negNorm[order[k]];
        _mixing.Prepare(n, n);
        for (int i = 0; i < n; i++)
        {
            origin[i] = i;
            share[i] = 1.0;
            _mixing.Weights[i * n + i] = 1.0;
        }
        for (int r = 0; r < k; r++)
        {
            int i = order[r];
            double norm = -negNorm[i];
            if (double.IsFinite(norm) && double.IsFinite(threshold) && norm > threshold) _mixing.Weights[i * n + i] = threshold / norm;
        }
        _mixing.Compute(input, destination);
    }
}
