using SimByz.Aggregation;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>meamed:f</c> (mean around the median; Xie, Koyejo, Gupta 2018): per coordinate,
/// the mean of the n−f values closest to the coordinate-wise median, at equal distance the lower value
/// first (the managed rule's tie rule). NaN values are dropped per coordinate: of the m left, min(n−f, m)
/// are averaged; none left gives 0; a non-finite median is returned as it is. Needs n &gt; 2f.
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
        return TorchMedian.MeanClosestToMedian(x, n - f);
    }
}
