using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Per coordinate, the mean of the <c>count</c> values closest to the coordinate's median, the lower
/// value first at equal distance (<see cref="ColumnMath.MeanClosestToMedian"/>): the reduction of MeaMed
/// and of Bulyan's second stage.
/// </summary>
/// <remarks>The 8-lane path counts the window's start with the same float64 comparisons in the same
/// order, sums the window in rank order (adding +0 for the ranks outside it, which never changes a
/// float64 sum that starts at +0) and returns a non-finite median as it is, so it gives the scalar
/// path's bits on every lane. The window starts at a rank in [0, m − count], so the ranks in
/// [m − count, count) are in every window and are added without a test (the same additions in the same
/// order). <see cref="Reduce16"/> is the same code over 16 lanes.</remarks>
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
        // Window start per lane: the number of ranks l whose value beta ranks up is strictly nearer.
        var one = Vector256.Create(1.0);
        Vector256<double> startLo = default, startHi = default;
        for (int l = 0; l + beta < m; l++)
        {
            var (xLo, xHi) = Vector256.Widen(sorted[l]);
            var (yLo, yHi) = Vector256.Widen(sorted[l + beta]);
            startLo += Vector256.LessThan(yLo - medLo, medLo - xLo) & one;
            startHi += Vector256.LessThan(yHi - medHi, medHi - xHi) & one;
        }
        var width = Vector256.Create((double)beta);
        var endLo = startLo + width;
        var endHi = startHi + width;
        Vector256<double> sumLo = default, sumHi = default;
        for (int r = 0; r < m; r++)
        {
            var (xLo, xHi) = Vector256.Widen(sorted[r]);
            if (r >= m - beta && r < beta)
            {
                sumLo += xLo;
                sumHi += xHi;
                continue;
            }
            var rank = Vector256.Create((double)r);
            var inLo = Vector256.GreaterThanOrEqual(rank, startLo) & Vector256.LessThan(rank, endLo);
            var inHi = Vector256.GreaterThanOrEqual(rank, startHi) & Vector256.LessThan(rank, endHi);
            sumLo += Vector256.ConditionalSelect(inLo, xLo, Vector256<double>.Zero);
            sumHi += Vector256.ConditionalSelect(inHi, xHi, Vector256<double>.Zero);
        }
        var infinity = Vector256.Create(double.PositiveInfinity);
        var finiteLo = Vector256.LessThan(Vector256.Abs(medLo), infinity);
        var finiteHi = Vector256.LessThan(Vector256.Abs(medHi), infinity);
        return Vector256.Narrow(
            Vector256.ConditionalSelect(finiteLo, sumLo / width, medLo),
            Vector256.ConditionalSelect(finiteHi, sumHi / width, medHi));
    }

    public Vector512<float> Reduce16(ReadOnlySpan<Vector512<float>> sorted)
    {
        int m = sorted.Length, beta = Math.Min(count, m);
        Vector512<double> medLo, medHi;
        if ((m & 1) == 1)
        {
            (medLo, medHi) = Vector512.Widen(sorted[m / 2]);
        }
        else
        {
            var (aLo, aHi) = Vector512.Widen(sorted[m / 2 - 1]);
            var (bLo, bHi) = Vector512.Widen(sorted[m / 2]);
            var half = Vector512.Create(0.5);
            medLo = (aLo + bLo) * half;
            medHi = (aHi + bHi) * half;
        }
        // Window start per lane: the number of ranks l whose value beta ranks up is strictly nearer.
        var one = Vector512.Create(1.0);
        Vector512<double> startLo = default, startHi = default;
        for (int l = 0; l + beta < m; l++)
        {
            var (xLo, xHi) = Vector512.Widen(sorted[l]);
            var (yLo, yHi) = Vector512.Widen(sorted[l + beta]);
            startLo += Vector512.LessThan(yLo - medLo, medLo - xLo) & one;
            startHi += Vector512.LessThan(yHi - medHi, medHi - xHi) & one;
        }
        var width = Vector512.Create((double)beta);
        var endLo = startLo + width;
        var endHi = startHi + width;
        Vector512<double> sumLo = default, sumHi = default;
        for (int r = 0; r < m; r++)
        {
            var (xLo, xHi) = Vector512.Widen(sorted[r]);
            if (r >= m - beta && r < beta)
            {
                sumLo += xLo;
                sumHi += xHi;
                continue;
            }
            var rank = Vector512.Create((double)r);
            var inLo = Vector512.GreaterThanOrEqual(rank, startLo) & Vector512.LessThan(rank, endLo);
            var inHi = Vector512.GreaterThanOrEqual(rank, startHi) & Vector512.LessThan(rank, endHi);
            sumLo += Vector512.ConditionalSelect(inLo, xLo, Vector512<double>.Zero);
            sumHi += Vector512.ConditionalSelect(inHi, xHi, Vector512<double>.Zero);
        }
        var infinity = Vector512.Create(double.PositiveInfinity);
        var finiteLo = Vector512.LessThan(Vector512.Abs(medLo), infinity);
        var finiteHi = Vector512.LessThan(Vector512.Abs(medHi), infinity);
        return Vector512.Narrow(
            Vector512.ConditionalSelect(finiteLo, sumLo / width, medLo),
            Vector512.ConditionalSelect(finiteHi, sumHi / width, medHi));
    }

    /// <remarks>With m &lt; n values left after dropping NaN, min(count, m) values are averaged.</remarks>
    public float Reduce(ReadOnlySpan<float> sorted) => ColumnMath.MeanClosestToMedian(sorted, count);
}
