using SimByz.Aggregation;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>bulyan:f,variant</c> (El Mhamdi et al., ICML 2018): θ rows chosen by iterated
/// Krum (Blanchard scoring over the remaining rows, n'−f−2 neighbours, one row removed per step), then
/// per coordinate the β values closest to the median of the θ selected are averaged.
/// </summary>
/// <remarks>
/// <para><c>variant=flower</c> (default): θ = n−2f, β = θ−2f, needs n ≥ 4f+3.
/// <c>variant=aggregathor</c> (AggregaThor/Garfield): θ = n−2f−2, β = θ−2f, needs n ≥ 4f+3 as well
/// (so that β ≥ 1 and every Krum step has n' &gt; 2f+2).</para>
/// <para>Second stage as MeaMed: the β values nearest the float64 median, at equal distance the lower
/// value first; NaN values dropped per coordinate. Non-finite rows score +∞ and are selected last.
/// Agreement: same selection except near ties, then relative 1e-5.</para>
/// </remarks>
internal sealed class TorchBulyan(int f, bool aggregathor) : ITensorRule
{
    public static TorchBulyan Create(SpecParameters p, AggregatorBuildContext ctx)
    {
        int f = RuleParameters.ByzantineCount(p, ctx, "f", "bulyan");
        string variant = p.GetChoice("variant", "flower", "flower", "aggregathor");
        return new(f, variant == "aggregathor");
    }

    public string Spec => $"bulyan:f={f},variant={(aggregathor ? "aggregathor" : "flower")}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n < 4 * f + 3) throw RuleParameters.Tolerance(Spec, n, "n ≥ 4f+3");
        int theta = aggregathor ? n - 2 * f - 2 : n - 2 * f;
        int beta = theta - 2 * f;
        var distances = HostDistances.Compute(x);
        var active = new bool[n];
        Array.Fill(active, true);
        var chosen = new List<int>(theta);
        for (int step = 0; step < theta; step++)
        {
            int remaining = n - step;
            double[] scores = distances.KrumScores(active, Math.Max(remaining - f - 2, 1), mean: false);
            int best = distances.OrderByScore(scores, active)[0];
            chosen.Add(best);
            active[best] = false;
        }
        if (call.Diagnostics is { } diag)
        {
            foreach (int i in chosen) diag.Selected[i] = true;
            diag.HasSelection = true;
            diag.NonFiniteRows = distances.NonFiniteCount;
        }
        chosen.Sort();
        var rows = x.index_select(0, tensor(chosen.Select(i => (long)i).ToArray(), device: call.Device));
        return TorchMedian.MeanClosestToMedian(rows, beta);
    }
}
