using System.Runtime.Intrinsics;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Coordinate-wise median (Yin, Chen, Ramchandran, Bartlett, ICML 2018): per coordinate, the median
/// of the n values; for even n, the mean of the two middle values (computed in float64, rounded once).
/// </summary>
/// <remarks>
/// Tolerance: q &lt; n/2. Non-finite input: in each coordinate NaN values are dropped and the median
/// is taken over the m values that remain (even m: mean of the two middle ones); ±∞ order as extremes,
/// so they move the median by at most one rank; a coordinate with no non-NaN value gives 0.
/// Speed: 16 coordinates at a time (8 without AVX-512) through a comparator network pruned to the middle rank(s)
/// (<see cref="ColumnKernel{TReducer}"/>); coordinates are independent, so the result does not depend
/// on threads. −0 is read as +0.
/// </remarks>
internal sealed class CoordinateWiseMedianRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "median", "coordinate-wise median (even n: mean of the two middle values; NaN values dropped per coordinate)",
        "Yin et al., ICML 2018", "q < n/2", []);

    private readonly ColumnKernel<MedianReducer> _kernel = new();
    private SortingNetwork? _network;

    public static IAggregator Create(SpecParameters _) => new CoordinateWiseMedianRule();

    public string Spec => "median";

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, "median");
        int n = input.Count;
        if (_network is null || _network.Size != n) _network = SortingNetwork.Create(n, (n - 1) / 2, n / 2);
        _kernel.Run(input, [], _network, default, output);
        diagnostics?.Reset(n);
    }

    /// <summary>Median of <paramref name="values"/> (reordered in place); 0 when empty.</summary>
    internal static float MedianOf(Span<float> values)
    {
        SortingNetwork.InsertionSort(values);
        return ColumnMath.Median(values);
    }

    private readonly struct MedianReducer : IColumnReducer
    {
        public Vector256<float> Reduce8(ReadOnlySpan<Vector256<float>> sorted)
        {
            int n = sorted.Length;
            return (n & 1) == 1 ? sorted[n / 2] : ColumnMath.Average(sorted[n / 2 - 1], sorted[n / 2]);
        }

        public Vector512<float> Reduce16(ReadOnlySpan<Vector512<float>> sorted)
        {
            int n = sorted.Length;
            return (n & 1) == 1 ? sorted[n / 2] : ColumnMath.Average(sorted[n / 2 - 1], sorted[n / 2]);
        }

        public float Reduce(ReadOnlySpan<float> sorted) => ColumnMath.Median(sorted);
    }
}
