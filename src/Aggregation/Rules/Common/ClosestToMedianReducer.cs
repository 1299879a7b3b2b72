using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Per coordinate, the mean of the <c>count</c> values closest to the coordinate's median
/// (<see cref="ColumnMath.MeanClosestToMedian"/>): the reduction of MeaMed and of Bulyan's second stage.
/// </summary>
internal readonly struct ClosestToMedianReducer(int count) : IColumnReducer
{
    public Vector256<float> Reduce8(ReadOnlySpan<Vector256<float>> sorted)
    {
        int m = sorted.Length;
        ReadOnlySpan<float> flat = MemoryMarshal.Cast<Vector256<float>, float>(sorted);
        Span<float> column = m <= 1024 ? stackalloc float[m] : new float[m];
        Span<float> lanes = stackalloc float[8];
        for (int lane = 0; lane < 8; lane++)
        {
            for (int r = 0; r < m; r++) column[r] = flat[r * 8 + lane];
            lanes[lane] = ColumnMath.MeanClosestToMedian(column, count);
        }
        return Vector256.Create<float>(lanes);
    }

    /// <remarks>With m &lt; n values left after dropping NaN, min(count, m) values are averaged.</remarks>
    public float Reduce(ReadOnlySpan<float> sorted) => ColumnMath.MeanClosestToMedian(sorted, count);
}
