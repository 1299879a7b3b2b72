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

    /// <summary>A score from the ascending sum of its <paramref name="k"/> nearest squared distances: the sum (Blanchard) or their mean (ByzFL).</summary>
    internal static double Total(KrumVariant variant, double sum, int k) => variant == KrumVariant.ByzFL && k > 0 ? sum / k : sum;

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
            scores[i] = Total(variant, s, k);
        }
    }
}

/// <summary>
/// Every row's other rows in ascending order of their squared distance to it, made once per batch, so that Krum
/// scores over a shrinking set of active rows (Bulyan's θ rounds) read each row's nearest active rows off its
/// order instead of gathering and sorting them again in every round.
/// </summary>
/// <remarks>
/// <see cref="Score"/> gives exactly <see cref="KrumScoring.Score"/>'s scores: the active rows' distances, in the
/// order of the full row's sorted distances, are that subset sorted (rows at equal distance may come in another
/// order, but their values are the same bits: the distances hold no NaN and no −0), so the same values are added in
/// the same order. Arrays are kept across calls (no allocation once grown).
/// </remarks>
internal sealed class NeighbourOrder
{
    private int[] _order = [];
    private double[] _keys = [];
    private PairwiseDistances? _distances;
    private int _n;

    /// <summary>Orders, for every row i, the other rows j by <paramref name="distances"/>[i, j].</summary>
    public void Build(PairwiseDistances distances)
    {
        int n = distances.Count;
        _n = n;
        _distances = distances;
        int width = Math.Max(n - 1, 0);
        if (_order.Length < n * width)
        {
            _order = new int[n * width];
            _keys = new double[n * width];
        }
        for (int i = 0; i < n; i++)
        {
            var keys = _keys.AsSpan(i * width, width);
            var rows = _order.AsSpan(i * width, width);
            int m = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                keys[m] = distances[i, j];
                rows[m++] = j;
            }
            keys.Sort(rows);
        }
    }

    /// <summary><see cref="KrumScoring.Score"/> over the rows <paramref name="active"/> marks, for the distances of the last <see cref="Build"/>.</summary>
    public void Score(ReadOnlySpan<bool> active, KrumVariant variant, int neighbours, Span<double> scores)
    {
        var nonFinite = (_distances ?? throw new InvalidOperationException("Score before Build")).NonFinite;
        int n = _n, width = Math.Max(n - 1, 0), activeCount = 0;
        foreach (bool a in active[..n])
        {
            if (a) activeCount++;
        }
        for (int i = 0; i < n; i++)
        {
            if (!active[i] || nonFinite[i])
            {
                scores[i] = double.PositiveInfinity;
                continue;
            }
            int k = Math.Min(neighbours, activeCount - 1), t = 0;
            double s = 0;
            var keys = _keys.AsSpan(i * width, width);
            var rows = _order.AsSpan(i * width, width);
            for (int c = 0; t < k; c++)
            {
                if (!active[rows[c]]) continue;
                s += keys[c];
                t++;
            }
            scores[i] = KrumScoring.Total(variant, s, k);
        }
    }
}

