using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>monna:f,idx</c> (Farhadkhani et al., 2023; ByzFL's MoNNA): the mean of the
/// n−f rows nearest to the trusted row <c>idx</c> (default 0, itself included; ties by index).
/// </summary>
/// <remarks>Needs n &gt; 2f and idx &lt; n. Rows at non-finite distance from the pivot rank after the
/// finite ones; a non-finite pivot makes every distance non-finite, and then the n−f lowest-index rows
/// are averaged (as the managed rule). Agreement: same neighbours except near ties.</remarks>
internal sealed class TorchMonna(int f, int pivot) : ITensorRule
{
    public static TorchMonna Create(SpecParameters p, AggregatorBuildContext ctx)
        => new(RuleParameters.ByzantineCount(p, ctx, "f", "monna"), p.GetInt("idx", defaultValue: 0, min: 0));

    public string Spec => $"monna:f={f},idx={pivot}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= 2 * f) throw RuleParameters.Tolerance(Spec, n, "n > 2f");
        if (pivot >= n) throw new SimByzException($"{Spec}: idx {pivot} is not a row (n = {n})");
        var distances = HostDistances.Compute(x);
        var selected = new bool[n];
        if (distances.NonFinite[pivot])
        {
            for (int i = 0; i < n - f; i++) selected[i] = true;
        }
        else
        {
            foreach (int i in distances.Nearest(pivot, n - f)) selected[i] = true;
        }
        if (call.Diagnostics is { } diag)
        {
            selected.CopyTo(diag.Selected);
            diag.HasSelection = true;
            diag.NonFiniteRows = distances.NonFiniteCount;
        }
        return TensorOps.MeanOfRows(x, selected, call.Device);
    }
}
