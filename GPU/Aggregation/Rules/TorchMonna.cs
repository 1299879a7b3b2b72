using SimByz.Aggregation.Registry;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>monna:f,pivot</c> (Farhadkhani et al., 2023; ByzFL's MoNNA): the mean of the
/// n−f rows nearest to the trusted row <c>pivot</c> (default 0, itself included; ties by index).
/// </summary>
/// <remarks>Needs n &gt; 2f and a finite pivot row. Agreement: same neighbours except near ties.</remarks>
internal sealed class TorchMonna(int f, int pivot) : ITensorRule
{
    public static TorchMonna Create(SpecParameters p, AggregatorBuildContext ctx)
        => new(RuleParameters.ByzantineCount(p, ctx, "f", "monna"), p.GetInt("pivot", 0, 0));

    public string Spec => $"monna:f={f},pivot={pivot}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= 2 * f) throw RuleParameters.Tolerance(Spec, n, "n > 2f");
        if (pivot >= n) throw new SimByzException($"{Spec}: pivot {pivot} is not a row (n = {n})");
        var distances = HostDistances.Compute(x);
        var selected = new bool[n];
        foreach (int i in distances.Nearest(pivot, n - f)) selected[i] = true;
        if (call.Diagnostics is { } diag)
        {
            selected.CopyTo(diag.Selected);
            diag.HasSelection = true;
            diag.NonFiniteRows = distances.NonFiniteCount;
        }
        return TensorOps.MeanOfRows(x, selected, call.Device);
    }
}
