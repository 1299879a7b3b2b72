using SimByz.Aggregation.Registry;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>meamed:f</c> (mean around the median; Xie, Koyejo, Gupta 2018): per coordinate,
/// the mean of the n−f values closest to the coordinate-wise median (ties by row index). NaN values are
/// never among the closest; a coordinate with fewer than n−f non-NaN values averages those it has.
/// Needs n &gt; 2f.
/// </summary>
/// <remarks>Agreement: relative 1e-5.</remarks>
internal sealed class TorchMeaMed(int f) : ITensorRule
{
    public static TorchMeaMed Create(SpecParameters p, AggregatorBuildContext ctx)
        => new(RuleParameters.ByzantineCount(p, ctx, "f", "meamed"));

    public string Spec => $"meamed:f={f}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= 2 * f) throw RuleParameters.Tolerance(Spec, n, "n > 2f");
        var median = TorchMedian.ColumnMedian(x);
        var distance = (x - median.unsqueeze(0)).abs().nan_to_num(double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity);
        var nan = x.isnan();
        var (_, order) = distance.sort(0, stable: true);
        var rank = order.argsort(0); // rank of each value in closeness
        var keep = rank.lt(n - f).logical_and(nan.logical_not());
        var kept = keep.sum(0, type: ScalarType.Int64);
        var sum = x.to_type(ScalarType.Float64).masked_fill(keep.logical_not(), 0.0).sum(0);
        return (sum / kept.clamp(min: 1)).to_type(ScalarType.Float32).masked_fill(kept.eq(0), 0f);
    }
}
