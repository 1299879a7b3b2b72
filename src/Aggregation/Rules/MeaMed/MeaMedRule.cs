using SimByz.Aggregation;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// MeaMed, mean around the median (Xie, Koyejo, Gupta, "Generalized Byzantine-tolerant SGD", 2018):
/// per coordinate, the mean of the n−f values closest to the coordinate-wise median.
/// </summary>
/// <remarks>
/// <para>The n−f closest values form a contiguous window of the sorted coordinate: the window whose
/// farthest member is nearest to the median, the lowest such window on a tie (public code leaves ties to
/// argpartition; see <see cref="ColumnMath.MeanClosestToMedian"/>). Sums in float64 in rank order, one rounding. <c>f</c> defaults to the declared q.</para>
/// <para>Tolerance: n &gt; 2f, checked per call.</para>
/// <para>Non-finite input: NaN values are dropped per coordinate; of the m values left, min(n−f, m)
/// closest to their median are averaged (a dropped NaN is a Byzantine value already discarded); none
/// left gives 0. ±∞ are farthest from a finite median and are dropped first.</para>
/// </remarks>
internal sealed class MeaMedRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "meamed", "coordinate-wise mean of the n−f values closest to the median",
        "Xie, Koyejo, Gupta 2018 (Generalized Byzantine-tolerant SGD); ByzFL Meamed", "n > 2f",
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
        if (n <= 2 * _f) throw RuleParameters.Tolerance(Spec, "n > 2f", n);
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
