using System.Runtime.Intrinsics;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Coordinate-wise trimmed mean (Yin et al., ICML 2018): per coordinate, drop the b largest and the b
/// smallest values and average the n − 2b that remain (sum in float64, one rounding).
/// </summary>
/// <remarks>
/// <para>Parameter <c>b</c>: defaults to the build context's declared q (as ByzFL and fedlib use b = f);
/// required when no q is declared. Tolerance: n &gt; 2b, checked per call (SimByzException).</para>
/// <para>Arithmetic: the kept values are summed in float64 and divided by their count, rounded once; in
/// the vector path (8 or 16 lanes alike) the order of the sum is the wire order of the tournament network
/// <see cref="SortingNetwork.Extremes"/>, in the scalar path (blocks holding NaN, the last d mod 8 coordinates) rank
/// order; both give the same bits whenever the float64 sum is exact in any order (up to 256 kept values whose magnitudes
/// lie within a factor 2^21, zeros aside), and the wire order is fixed by n and b (docs/AGGREGATORS.md). −0 is read as +0.</para>
/// <para>Non-finite input: NaN values are dropped per coordinate; with m values left, t = min(b, ⌊(m−1)/2⌋)
/// are trimmed from each side (so at least one value remains); no value left gives 0. ±∞ are extremes
/// and are trimmed first; they reach the result only if more than b of them share a side.</para>
/// </remarks>
internal sealed class TrimmedMeanRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "trimmed-mean", "coordinate-wise trimmed mean: drop the b largest and b smallest values, average the rest",
        "Yin et al., ICML 2018 (b = f as in ByzFL, fedlib)", "n > 2b",
        [new("b", "integer ≥ 0", "declared q (required if none)", "values trimmed from each side per coordinate")]);

    private readonly int _b;
    private readonly ColumnKernel<TrimReducer> _kernel = new();
    private SortingNetwork? _network;

    private TrimmedMeanRule(int b) => _b = b;

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context)
        => new TrimmedMeanRule(RuleParameters.ByzantineCount(p, context, "b"));

    public string Spec => field ??= $"trimmed-mean:b={_b}";

    /// <summary>Throws <see cref="SimByzException"/> naming the condition unless this rule tolerates <paramref name="n"/> inputs.</summary>
    public void CheckTolerance(int n)
    {
        if (n <= 2L * _b) throw RuleParameters.Tolerance(Spec, "n > 2b", n);
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count;
        CheckTolerance(n);
        if (_network is null || _network.Size != n) _network = SortingNetwork.Extremes(n, _b);
        _kernel.Run(input, [], _network, new TrimReducer(_b), output);
        diagnostics?.Reset(n);
    }

    private readonly struct TrimReducer(int b) : IColumnReducer
    {
        public Vector256<float> Reduce8(ReadOnlySpan<Vector256<float>> sorted)
        {
            var lo = Vector256<double>.Zero;
            var hi = Vector256<double>.Zero;
            for (int r = b; r < sorted.Length - b; r++)
            {
                var (l, h) = Vector256.Widen(sorted[r]);
                lo += l;
                hi += h;
            }
            var count = Vector256.Create((double)(sorted.Length - 2 * b));
            return Vector256.Narrow(lo / count, hi / count);
        }

        public Vector512<float> Reduce16(ReadOnlySpan<Vector512<float>> sorted)
        {
            var lo = Vector512<double>.Zero;
            var hi = Vector512<double>.Zero;
            for (int r = b; r < sorted.Length - b; r++)
            {
                var (l, h) = Vector512.Widen(sorted[r]);
                lo += l;
                hi += h;
            }
            var count = Vector512.Create((double)(sorted.Length - 2 * b));
            return Vector512.Narrow(lo / count, hi / count);
        }

        public float Reduce(ReadOnlySpan<float> sorted)
        {
            int m = sorted.Length;
            if (m == 0) return 0f;
            int t = Math.Min(b, (m - 1) / 2);
            return ColumnMath.MeanOfRanks(sorted, t, m - t);
        }
    }
}
