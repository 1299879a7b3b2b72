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

    public Tensor Aggregate(Tensor x, TensorCall call) => TensorOps.ByColumnBlocks(x, ColumnMedian);

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
    /// median, m the column's non-NaN count, as the managed ColumnMath.MeanClosestToMedian: the values
    /// nearest the median, at equal distance the lower value first; the window of c consecutive sorted
    /// values starting at L = #{ l : s[l+c] − median &lt; median − s[l] }; float64 sum, one rounding;
    /// a non-finite median is returned as it is; 0 where m = 0. (MeaMed and Bulyan's second stage.)
    /// </summary>
    internal static Tensor MeanClosestToMedian(Tensor x, int keep)
        => TensorOps.ByColumnBlocks(x, block => MeanClosestToMedianBlock(block, keep));

    private static Tensor MeanClosestToMedianBlock(Tensor x, int keep)
    {
        long n = x.shape[0];
        var (sorted, _) = x.sort(0);
        var count = x.isnan().logical_not().sum(0, type: ScalarType.Int64);
        var median = SortedMedian64(sorted, count);
        var values = sorted.to_type(ScalarType.Float64);
        var size = count.clamp(max: keep);
        var rank = arange(n, dtype: ScalarType.Int64, device: x.device).unsqueeze(1);
        // Rank l slides the window up when the value size ranks above it is strictly nearer the median
        // (ranks past the column's non-NaN values never count).
        var upper = values.gather(0, (rank + size.unsqueeze(0)).clamp(max: n - 1));
        var slides = rank.lt((count - size).unsqueeze(0)).logical_and((upper - median).lt(median - values));
        var start = slides.sum(0, type: ScalarType.Int64);
        var chosen = rank.ge(start.unsqueeze(0)).logical_and(rank.lt((start + size).unsqueeze(0)));
        var sum = values.masked_fill(chosen.logical_not(), 0.0).sum(0L);
        var mean = where(median.isfinite(), sum / size.clamp(min: 1), median);
        return mean.to_type(ScalarType.Float32).masked_fill(count.eq(0), 0f);
    }
}
