using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Per coordinate, the mean of the <c>count</c> values closest to the coordinate's median, the lower
/// value first at equal distance (<see cref="ColumnMath.MeanClosestToMedian"/>): the reduction of MeaMed
/// and of Bulyan's second stage.
/// </summary>
/// <remarks>
/// <para>The vector paths give the scalar path's bits on every lane: the same float64 comparisons, the
/// window summed in rank order (adding +0 for the ranks outside it, which never changes a float64 sum
/// that starts at +0: in round-to-nearest such a sum is never −0), and a non-finite median returned as it is.
/// <see cref="Reduce16"/> is <see cref="Reduce8"/>'s code over 16 lanes.</para>
/// <para>The window starts at a rank L in [0, m − count], so the ranks in [m − count, count) are in
/// every window and are added without a test. The condition "the value count ranks above rank l is
/// strictly nearer" holds on a prefix of l (with a finite median, s[l+count] − median grows and
/// median − s[l] shrinks with l, and rounding keeps both monotone), so L is the first l where it fails.
/// When count ≥ m − count (MeaMed always, whose count is n − f with f &lt; n/2; Bulyan when n ≥ 6f, and
/// n ≥ 6f + 2 in its aggregathor variant),
/// rank l &lt; m − count is therefore kept exactly when the condition fails at l, and rank r ≥ count
/// exactly when it holds at r − count; with at most <see cref="MaxSlides"/> ranks outside (f ≤ 64 for
/// MeaMed) those masks are kept from the pass that computes them, so the sum needs no rank comparison.
/// Otherwise L is counted and each rank outside [m − count, count) is compared with it.</para>
/// </remarks>
internal readonly struct ClosestToMedianReducer(int count) : IColumnReducer
{
    /// <summary>The most ranks outside the window whose masks are kept on the stack (2 vectors each: 8 KB at 16 lanes).</summary>
    internal const int MaxSlides = 64;

    /// <summary>Whether the window's ranks outside [m − beta, beta) are added under kept masks (the remarks' condition).</summary>
    private static bool KeepsSlides(int m, int beta) => 2 * beta >= m && m - beta <= MaxSlides;

    [SkipLocalsInit] // the conditions' buffer is written before it is read
    public Vector256<float> Reduce8(ReadOnlySpan<Vector256<float>> sorted)
    {
        int m = sorted.Length, beta = Math.Min(count, m), outside = m - beta;
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
        Vector256<double> sumLo = default, sumHi = default;
        if (KeepsSlides(m, beta))
        {
            // nearer[l]: the window slides past rank l (the value beta ranks up is strictly nearer); true on a prefix of l.
            Span<Vector256<double>> nearer = stackalloc Vector256<double>[2 * outside];
            for (int l = 0; l < outside; l++)
            {
                var (xLo, xHi) = Vector256.Widen(sorted[l]);
                var (yLo, yHi) = Vector256.Widen(sorted[l + beta]);
                var slidLo = Vector256.LessThan(yLo - medLo, medLo - xLo);
                var slidHi = Vector256.LessThan(yHi - medHi, medHi - xHi);
                nearer[2 * l] = slidLo;
                nearer[2 * l + 1] = slidHi;
                sumLo += Vector256.AndNot(xLo, slidLo); // rank l is kept unless the window slid past it
                sumHi += Vector256.AndNot(xHi, slidHi);
            }
            for (int r = outside; r < beta; r++)
            {
                var (xLo, xHi) = Vector256.Widen(sorted[r]);
                sumLo += xLo;
                sumHi += xHi;
            }
            for (int r = beta; r < m; r++)
            {
                var (xLo, xHi) = Vector256.Widen(sorted[r]);
                sumLo += xLo & nearer[2 * (r - beta)]; // rank r is kept if the window slid past rank r − beta
                sumHi += xHi & nearer[2 * (r - beta) + 1];
            }
        }
        else
        {
            // Window start per lane: the number of ranks l whose value beta ranks up is strictly nearer.
            var one = Vector256.Create(1.0);
            Vector256<double> startLo = default, startHi = default;
            for (int l = 0; l < outside; l++)
            {
                var (xLo, xHi) = Vector256.Widen(sorted[l]);
                var (yLo, yHi) = Vector256.Widen(sorted[l + beta]);
                startLo += Vector256.LessThan(yLo - medLo, medLo - xLo) & one;
                startHi += Vector256.LessThan(yHi - medHi, medHi - xHi) & one;
            }
            var endLo = startLo + Vector256.Create((double)beta);
            var endHi = startHi + Vector256.Create((double)beta);
            for (int r = 0; r < m; r++)
            {
                var (xLo, xHi) = Vector256.Widen(sorted[r]);
                if (r >= outside && r < beta)
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
        }
        var width = Vector256.Create((double)beta);
        var infinity = Vector256.Create(double.PositiveInfinity);
        var finiteLo = Vector256.LessThan(Vector256.Abs(medLo), infinity);
        var finiteHi = Vector256.LessThan(Vector256.Abs(medHi), infinity);
        return Vector256.Narrow(
            Vector256.ConditionalSelect(finiteLo, sumLo / width, medLo),
            Vector256.ConditionalSelect(finiteHi, sumHi / width, medHi));
    }

    [SkipLocalsInit] // the conditions' buffer is written before it is read
    public Vector512<float> Reduce16(ReadOnlySpan<Vector512<float>> sorted)
    {
        int m = sorted.Length, beta = Math.Min(count, m), outside = m - beta;
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
        Vector512<double> sumLo = default, sumHi = default;
        if (KeepsSlides(m, beta))
        {
            // nearer[l]: the window slides past rank l (the value beta ranks up is strictly nearer); true on a prefix of l.
            Span<Vector512<double>> nearer = stackalloc Vector512<double>[2 * outside];
            for (int l = 0; l < outside; l++)
            {
                var (xLo, xHi) = Vector512.Widen(sorted[l]);
                var (yLo, yHi) = Vector512.Widen(sorted[l + beta]);
                var slidLo = Vector512.LessThan(yLo - medLo, medLo - xLo);
                var slidHi = Vector512.LessThan(yHi - medHi, medHi - xHi);
                nearer[2 * l] = slidLo;
                nearer[2 * l + 1] = slidHi;
                sumLo += Vector512.AndNot(xLo, slidLo); // rank l is kept unless the window slid past it
                sumHi += Vector512.AndNot(xHi, slidHi);
            }
            for (int r = outside; r < beta; r++)
            {
                var (xLo, xHi) = Vector512.Widen(sorted[r]);
                sumLo += xLo;
                sumHi += xHi;
            }
            for (int r = beta; r < m; r++)
            {
                var (xLo, xHi) = Vector512.Widen(sorted[r]);
                sumLo += xLo & nearer[2 * (r - beta)]; // rank r is kept if the window slid past rank r − beta
                sumHi += xHi & nearer[2 * (r - beta) + 1];
            }
        }
        else
        {
            // Window start per lane: the number of ranks l whose value beta ranks up is strictly nearer.
            var one = Vector512.Create(1.0);
            Vector512<double> startLo = default, startHi = default;
            for (int l = 0; l < outside; l++)
            {
                var (xLo, xHi) = Vector512.Widen(sorted[l]);
                var (yLo, yHi) = Vector512.Widen(sorted[l + beta]);
                startLo += Vector512.LessThan(yLo - medLo, medLo - xLo) & one;
                startHi += Vector512.LessThan(yHi - medHi, medHi - xHi) & one;
            }
            var endLo = startLo + Vector512.Create((double)beta);
            var endHi = startHi + Vector512.Create((double)beta);
            for (int r = 0; r < m; r++)
            {
                var (xLo, xHi) = Vector512.Widen(sorted[r]);
                if (r >= outside && r < beta)
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
        }
        var width = Vector512.Create((double)beta);
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
