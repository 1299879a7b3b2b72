using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// MeaMed, mean around the median (Xie, Koyejo, Gupta, "Generalized Byzantine-tolerant SGD", 2018):
/// per coordinate, the mean of the n−f values closest to the coordinate-wise median.
/// </summary>
/// <remarks>
/// <para>Closest: distance |v − median| in float64 (even count: the median is the mean of the two middle
/// values). Tie rule: at equal distance a value below the median is kept before one above it — the lower
/// value first — so the result is the mean of the first n−f values ordered by (distance, value); equal
/// values are interchangeable, so this fixes the result and it does not depend on the input order (it is
/// the order a stable sort by distance of the ascending column gives). The public code leaves such ties
/// to its selection routine (ByzFL <c>Meamed</c>: argpartition; Flower's and AggregaThor's Bulyan:
/// argpartition, topk, nth_element), whose choice depends on the input order. Colluding
/// inputs that all send one value are averaged only as far as they are among the n−f nearest. Sums in
/// float64 in rank order, one rounding (<see cref="ColumnMath.MeanClosestToMedian"/>). <c>f</c> defaults to
/// the declared q.</para>
/// <para>Tolerance: n &gt; 2f, checked per call.</para>
/// <para>Non-finite input: NaN values are dropped per coordinate; of the m values left, min(n−f, m)
/// closest to their median are averaged (a dropped NaN is a Byzantine value already discarded); none
/// left gives 0. ±∞ are farthest from a finite median and are dropped first; a coordinate whose median
/// is not finite (more than half its values one infinity) gives that median.</para>
/// </remarks>
internal sealed class MeaMedRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "meamed", "coordinate-wise mean of the n−f values closest to the median (equal distance: the lower value first)",
        "Xie, Koyejo, Gupta 2018 (Generalized Byzantine-tolerant SGD); ByzFL Meamed; ties at equal distance: lower value first (SimByz's rule; ByzFL leaves them to argpartition)", "n > 2f",
        [new("f", "integer ≥ 0", "declared q (required if none)", "number of Byzantine inputs tolerated")]);

    private readonly int _f;
    private readonly ColumnKernel<ClosestToMedianReducer> _kernel = new();
    private SortingNetwork? _network;

    private MeaMedRule(int f) => _f = f;

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context) => new MeaMedRule(RuleParameters.ByzantineCount(p, context));

    public string Spec => field ??= $"meamed:f={_f}";

    /// <summary>Throws <see cref="SimByzException"/> naming the condition unless this rule tolerates <paramref name="n"/> inputs.</summary>
    public void CheckTolerance(int n)
    {
        if (n <= 2L * _f) throw RuleParameters.Tolerance(Spec, "n > 2f", n);
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count;
        CheckTolerance(n);
        if (_network is null || _network.Size != n) _network = SortingNetwork.Create(n, 0, n - 1);
        _kernel.Run(input, [], _network, new ClosestToMedianReducer(n - _f), output);
        diagnostics?.Reset(n);
    }
}
