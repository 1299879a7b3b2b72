using SimByz.Aggregation;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>trimmed-mean:b</c> (Yin et al., ICML 2018): per coordinate, the b largest and b
/// smallest values are dropped and the rest averaged (float64 sum, rounded once). Needs n &gt; 2b.
/// </summary>
/// <remarks>As the managed rule: NaN values are dropped per coordinate; with m values left,
/// t = min(b, ⌊(m−1)/2⌋) are trimmed from each side; none left gives 0. Agreement: relative 1e-5.</remarks>
internal sealed class TorchTrimmedMean(int b) : ITensorRule
{
    public static TorchTrimmedMean Create(SpecParameters p, AggregatorBuildContext ctx)
        => new(RuleParameters.ByzantineCount(p, ctx, "b", "trimmed-mean"));

    public string Spec => $"trimmed-mean:b={b}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= 2 * b) throw RuleParameters.Tolerance(Spec, n, "n > 2b");
        return TensorOps.ByColumnBlocks(x, Block);
    }

    private Tensor Block(Tensor x)
    {
        int n = (int)x.shape[0];
        var (sorted, _) = x.sort(0);
        var count = x.isnan().logical_not().sum(0, type: ScalarType.Int64);
        var trim = (count - 1).clamp(min: 0).div(2, rounding_mode: RoundingMode.floor).clamp(max: b).unsqueeze(0);
        var rank = arange(n, dtype: ScalarType.Int64, device: x.device).unsqueeze(1);
        var keep = rank.ge(trim).logical_and(rank.lt(count.unsqueeze(0) - trim));
        var kept = keep.sum(0, type: ScalarType.Int64);
        var sum = sorted.to_type(ScalarType.Float64).masked_fill(keep.logical_not(), 0.0).sum(0L);
        return (sum / kept.clamp(min: 1)).to_type(ScalarType.Float32).masked_fill(count.eq(0), 0f);
    }
}
