using SimByz.Aggregation.Registry;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>trimmed-mean:b</c>: per coordinate, the NaN values are dropped, the b largest and
/// b smallest of the m remaining are dropped and the rest averaged (float64 sum, rounded once).
/// Needs n &gt; 2b.
/// </summary>
/// <remarks>When NaN leaves m ≤ 2b values in a coordinate, that coordinate takes the median of the m
/// values (0 when m = 0), as the managed rule does. Agreement: relative 1e-5.</remarks>
internal sealed class TorchTrimmedMean(int b) : ITensorRule
{
    public static TorchTrimmedMean Create(SpecParameters p, AggregatorBuildContext ctx)
        => new(RuleParameters.ByzantineCount(p, ctx, "b", "trimmed-mean"));

    public string Spec => $"trimmed-mean:b={b}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= 2 * b) throw RuleParameters.Tolerance(Spec, n, "n > 2b");
        var (sorted, _) = x.sort(0);
        var count = x.isnan().logical_not().sum(0, type: ScalarType.Int64);
        var rank = arange(n, dtype: ScalarType.Int64, device: x.device).unsqueeze(1);
        var keep = rank.ge(b).logical_and(rank.lt((count - b).unsqueeze(0)));
        var kept = keep.sum(0, type: ScalarType.Int64);
        var sum = sorted.to_type(ScalarType.Float64).masked_fill(keep.logical_not(), 0.0).sum(0);
        var trimmed = (sum / kept.clamp(min: 1)).to_type(ScalarType.Float32);
        return where(count.gt(2 * b), trimmed, TorchMedian.ColumnMedian(x));
    }
}
