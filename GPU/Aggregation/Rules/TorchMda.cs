using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>mda:f</c>, minimum-diameter averaging (El Mhamdi et al., ICML 2018; Rousseeuw's
/// MVE idea): among the subsets of n−f rows, the one of smallest diameter (largest pairwise squared
/// distance; ties: the lexicographically first subset) is averaged. Needs n &gt; 2f.
/// </summary>
/// <remarks>Distances on the device, the exhaustive branch-and-bound search on the host (C(n, f)
/// subsets at most). Non-finite rows are infinitely far: with more than f of them the result is
/// non-finite, with all of them the zero vector. Agreement: same subset except near ties.</remarks>
internal sealed class TorchMda(int f) : ITensorRule
{
    public static TorchMda Create(SpecParameters p, AggregatorBuildContext ctx)
        => new(RuleParameters.ByzantineCount(p, ctx, "f", "mda"));

    public string Spec => $"mda:f={f}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= 2 * f) throw RuleParameters.Tolerance(Spec, n, "n > 2f");
        var distances = HostDistances.Compute(x);
        int size = n - f;
        var best = new int[size];
        var current = new int[size];
        double bestDiameter = double.PositiveInfinity;
        bool found = false;
        void Search(int depth, int start, double diameter)
        {
            if (depth == size)
            {
                if (!found || diameter < bestDiameter)
                {
                    bestDiameter = diameter;
                    current.CopyTo(best, 0);
                    found = true;
                }
                return;
            }
            for (int i = start; i <= n - (size - depth); i++)
            {
                double d = diameter;
                for (int k = 0; k < depth; k++) d = Math.Max(d, distances[current[k], i]);
                if (found && d >= bestDiameter) continue;
                current[depth] = i;
                Search(depth + 1, i + 1, d);
            }
        }
        Search(0, 0, 0);
        if (!found) throw new SimByzException($"{Spec}: no subset found");
        var selected = new bool[n];
        foreach (int i in best) selected[i] = true;
        if (call.Diagnostics is { } diag)
        {
            selected.CopyTo(diag.Selected);
            diag.HasSelection = true;
            diag.NonFiniteRows = distances.NonFiniteCount;
        }
        if (distances.NonFiniteCount == n) return zeros(x.shape[1], dtype: ScalarType.Float32, device: x.device);
        return TensorOps.MeanOfRows(x, selected, call.Device);
    }
}
