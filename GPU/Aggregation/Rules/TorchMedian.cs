using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>median</c> (Yin et al., ICML 2018): per coordinate the median of the non-NaN
/// values (even count: the mean of the two middle ones, in float64, rounded once); a coordinate with
/// no non-NaN value gives 0; ±∞ order as extremes.
/// </summary>
/// <remarks>Agreement: the same selection and rounding as the managed rule, so equal in practice; tested at relative 1e-5.</remarks>
internal sealed class TorchMedian : ITensorRule
{
    public string Spec => "median";

    public Tensor Aggregate(Tensor x, TensorCall call) => ColumnMedian(x);

    /// <summary>Per-column median of the non-NaN values, rounded to float32 (0 where none).</summary>
    internal static Tensor ColumnMedian(Tensor x)
    {
        var (sorted, _) = x.sort(0);
        var count = x.isnan().logical_not().sum(0, type: ScalarType.Int64);
        return SortedMedian64(sorted, count).to_type(ScalarType.Float32).masked_fill(count.eq(0), 0f);
    }

    /// <summary>
    /// Per-column median in float64 of the first <paramref name="count"/> rows of the column-sorted
    /// <paramref name="sorted"/> (NaN sorted last): odd count the middle value, even count the mean of the
    /// two middle values (not rounded). Columns with count 0 give an unspecified value.
    /// </summary>
    internal static Tensor SortedMedian64(Tensor sorted, Tensor count)
    {
        var lo = (count - 1).clamp(min: 0).div(2, rounding_mode: RoundingMode.floor).unsqueeze(0);
        var hi = count.div(2, rounding_mode: RoundingMode.floor).clamp(max: sorted.shape[0] - 1).unsqueeze(0);
        var a = sorted.gather(0, lo).squeeze(0).to_type(ScalarType.Float64);
        var b = sorted.gather(0, hi).squeeze(0).to_type(ScalarType.Float64);
        return (a + b) * 0.5;
    }

    /// <summary>
    /// Per column, the mean of min(<paramref name="keep"/>, m) non-NaN values around their float64
    /// median, m the column's non-NaN count, as the managed ColumnMath.MeanClosestToMedian: the window
    /// of consecutive sorted values whose farthest member is nearest to the median,
    /// max(median − s[l], s[l+c−1] − median), the lowest window on a tie; float64 sum, one rounding;
    /// 0 where m = 0. (MeaMed and Bulyan's second stage.)
    /// </summary>
    internal static Tensor MeanClosestToMedian(Tensor x, int keep)
    {
        long n = x.shape[0];
        var (sorted, _) = x.sort(0);
        var count = x.isnan().logical_not().sum(0, type: ScalarType.Int64);
        var median = SortedMedian64(sorted, count);
        var values = sorted.to_type(ScalarType.Float64);
        var size = count.clamp(max: keep);
        var best = full(x.shape[1], double.PositiveInfinity, dtype: ScalarType.Float64, device: x.device);
        var start = zeros(x.shape[1], dtype: ScalarType.Int64, device: x.device);
        for (long l = 0; l < n; l++)
        {
            var last = (size - 1 + l).clamp(min: 0, max: n - 1);
            var valid = (size + l).le(count).logical_and(size.gt(0));
            var cost = maximum(median - values[l], values.gather(0, last.unsqueeze(0)).squeeze(0) - median)
                .masked_fill(valid.logical_not(), double.PositiveInfinity);
            var better = cost.lt(best);
            best = where(better, cost, best);
            start = where(better, full_like(start, l), start);
        }
        var rank = arange(n, dtype: ScalarType.Int64, device: x.device).unsqueeze(1);
        var chosen = rank.ge(start.unsqueeze(0)).logical_and(rank.lt((start + size).unsqueeze(0)));
        var sum = values.masked_fill(chosen.logical_not(), 0.0).sum(0L);
        return (sum / size.clamp(min: 1)).to_type(ScalarType.Float32).masked_fill(count.eq(0), 0f);
    }
}
