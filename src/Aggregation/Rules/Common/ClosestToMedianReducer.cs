using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Per coordinate, the mean of the <c>count</c> values closest to the coordinate's median
/// (<see cref="ColumnMath.MeanClosestToMedian"/>): the reduction of MeaMed and of Bulyan's second stage.
/// </summary>
/// <remarks>The 8-lane path evaluates the same windows in the same order and sums the chosen window in
/// rank order (adding +0 for the ranks outside it), so it gives the scalar path's bits.</remarks>
internal readonly struct ClosestToMedianReducer(int count) : IColumnReducer
{
    public Vector256<float> Reduce8(ReadOnlySpan<Vector256<float>> sorted)
    {
        int m = sorted.Length, beta = Math.Min(count, m);
        Vector256<double> medLo, medHi;
        if ((m & 1) == 1)
        {
            (medLo, medHi) = Vector256.Widen(sorted[m / 2]);
        }
        else
        {
            var (aLo, aHi) = Vector256.Widen(sorted[m / 2 - 1]);
            var (bLo, bHi) = Vector256.Widen(sorted[m / 2]);
            var half = Vector256.Create(0.5);
            medLo = (aLo + bLo) * half;
            medHi = (aHi + bHi) * half;
        }
        var bestLo = Vector256.Create(double.PositiveInfinity);
        var bestHi = bestLo;
        Vector256<double> startLo = default, startHi = default;
        for (int l = 0; l + beta <= m; l++)
        {
            var (aLo, aHi) = Vector256.Widen(sorted[l]);
            var (bLo, bHi) = Vector256.Widen(sorted[l + beta - 1]);
            var costLo = Vector256.Max(medLo - aLo, bLo - medLo);
            var costHi = Vector256.Max(medHi - aHi, bHi - medHi);
            var lower = Vector256.Create((double)l);
            var betterLo = Vector256.LessThan(costLo, bestLo);
            var betterHi = Vector256.LessThan(costHi, bestHi);
            bestLo = Vector256.ConditionalSelect(betterLo, costLo, bestLo);
            bestHi = Vector256.ConditionalSelect(betterHi, costHi, bestHi);
            startLo = Vector256.ConditionalSelect(betterLo, lower, startLo);
            startHi = Vector256.ConditionalSelect(betterHi, lower, startHi);
        }
        var width = Vector256.Create((double)beta);
        var endLo = startLo + width;
        var endHi = startHi + width;
        Vector256<double> sumLo = default, sumHi = default;
        for (int r = 0; r < m; r++)
        {
            var rank = Vector256.Create((double)r);
            var (xLo, xHi) = Vector256.Widen(sorted[r]);
            var inLo = Vector256.GreaterThanOrEqual(rank, startLo) & Vector256.LessThan(rank, endLo);
            var inHi = Vector256.GreaterThanOrEqual(rank, startHi) & Vector256.LessThan(rank, endHi);
            sumLo += Vector256.ConditionalSelect(inLo, xLo, Vector256<double>.Zero);
            sumHi += Vector256.ConditionalSelect(inHi, xHi, Vector256<double>.Zero);
        }
        return Vector256.Narrow(sumLo / width, sumHi / width);
    }

    /// <remarks>With m &lt; n values left after dropping NaN, min(count, m) values are averaged.</remarks>
    public float Reduce(ReadOnlySpan<float> sorted) => ColumnMath.MeanClosestToMedian(sorted, count);
}
