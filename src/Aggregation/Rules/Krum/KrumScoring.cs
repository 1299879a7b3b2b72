namespace SimByz.Aggregation.Rules;

/// <summary>The two Krum scores found in public code, named as spec variants.</summary>
internal enum KrumVariant
{
    /// <summary>Blanchard et al. (NeurIPS 2017): sum of the squared distances to the n−f−2 nearest other inputs.</summary>
    Blanchard,

    /// <summary>ByzFL (LPD-EPFL/byzfl <c>Krum</c>): mean of the squared distances to the n−f−1 nearest other inputs.</summary>
    ByzFL,
}

/// <summary>Krum scores computed from a <see cref="PairwiseDistances"/> matrix, over a subset of the inputs.</summary>
internal static class KrumScoring
{
    public static KrumVariant Parse(string text) => text == "byzfl" ? KrumVariant.ByzFL : KrumVariant.Blanchard;

    public static string Name(KrumVariant v) => v == KrumVariant.ByzFL ? "byzfl" : "blanchard";

    /// <summary>Neighbours counted by <paramref name="variant"/> among <paramref name="r"/> candidates (at least 1).</summary>
    public static int Neighbours(KrumVariant variant, int r, int f)
        => Math.Max(1, variant == KrumVariant.ByzFL ? r - f - 1 : r - f - 2);

    /// <summary>
    /// scores[i] for every active i: the <paramref name="neighbours"/> smallest squared distances from i to
    /// the other active inputs, sorted ascending and summed in that order (float64); the ByzFL variant
    /// divides by the count. Non-finite rows score +∞ (and are ranked after every finite row by
    /// <see cref="RuleParameters.OrderBy"/>); inactive rows score +∞.
    /// </summary>
    public static void Score(PairwiseDistances distances, ReadOnlySpan<bool> active, KrumVariant variant, int neighbours,
        Span<double> scores, Span<double> scratch)
    {
        int n = distances.Count;
        for (int i = 0; i < n; i++)
        {
            if (!active[i] || distances.NonFinite[i])
            {
                scores[i] = double.PositiveInfinity;
                continue;
            }
            int m = 0;
            for (int j = 0; j < n; j++)
            {
                if (j != i && active[j]) scratch[m++] = distances[i, j];
            }
            var near = scratch[..m];
            // The distances hold no NaN and no −0 (non-finite ones are +∞), so any correct sort gives the
            // same sequence: an introsort (no allocation) instead of an O(m²) insertion sort, which Bulyan
            // repeats for every input in each of its θ rounds.
            near.Sort();
            int k = Math.Min(neighbours, m);
            double s = 0;
            for (int t = 0; t < k; t++) s += near[t];
            scores[i] = variant == KrumVariant.ByzFL && k > 0 ? s / k : s;
        }
    }
}
