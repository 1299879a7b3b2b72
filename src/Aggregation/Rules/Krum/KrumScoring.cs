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
/// <para><see cref="Score"/> gives exactly <see cref="KrumScoring.Score"/>'s scores: the active rows' distances, in the
/// order of the full row's sorted distances, are that subset sorted (rows at equal distance may come in another
/// order, but their values are the same bits: the distances hold no NaN and no −0), so the same values are added in
/// the same order. Arrays are kept across calls (no allocation once grown).</para>
/// <para>Each row also keeps a compacted copy of its order holding only the rows active at the last <see cref="Score"/>:
/// a row gone since then is dropped from every active row's copy (the others keep their order), and a row back again
/// restores every copy from the full order. A score is then the sum of the first k entries of the copy, with no test
/// per entry, four rows' sums interleaved (four independent chains of additions, each in its own order): the same
/// additions in the same order as walking the full order and skipping inactive rows. Bulyan's θ rounds at n = 100
/// ran about a tenth of its time on one thread in that walk.</para>
/// </remarks>
internal sealed class NeighbourOrder
{
    private int[] _order = [];
    private double[] _keys = [];
    private int[] _compactRows = [];
    private double[] _compactKeys = [];
    private int[] _compactLength = [];
    private bool[] _present = [];
    private int[] _scored = [];
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
            _compactRows = new int[n * width];
            _compactKeys = new double[n * width];
        }
        if (_compactLength.Length < n)
        {
            _compactLength = new int[n];
            _present = new bool[n];
            _scored = new int[n];
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
        Restore();
    }

    /// <summary>Every compacted copy back to the full order (every row present).</summary>
    private void Restore()
    {
        int n = _n, width = Math.Max(n - 1, 0);
        _order.AsSpan(0, n * width).CopyTo(_compactRows);
        _keys.AsSpan(0, n * width).CopyTo(_compactKeys);
        _compactLength.AsSpan(0, n).Fill(width);
        _present.AsSpan(0, n).Fill(true);
    }

    /// <summary><see cref="KrumScoring.Score"/> over the rows <paramref name="active"/> marks, for the distances of the last <see cref="Build"/>.</summary>
    public void Score(ReadOnlySpan<bool> active, KrumVariant variant, int neighbours, Span<double> scores)
    {
        var nonFinite = (_distances ?? throw new InvalidOperationException("Score before Build")).NonFinite;
        int n = _n, width = Math.Max(n - 1, 0), activeCount = 0;
        bool back = false, gone = false;
        for (int j = 0; j < n; j++)
        {
            if (active[j]) activeCount++;
            if (active[j] && !_present[j]) back = true;
            else if (!active[j] && _present[j]) gone = true;
        }
        if (back)
        {
            Restore();
            gone = activeCount < n;
        }
        if (gone)
        {
            // Drop the rows gone from the copies of the rows still active, in order (an inactive row's copy is left as it
            // is: it is not read while the row is inactive, and a row back again restores every copy).
            for (int i = 0; i < n; i++)
            {
                if (!active[i]) continue;
                var rows = _compactRows.AsSpan(i * width, _compactLength[i]);
                var keys = _compactKeys.AsSpan(i * width, _compactLength[i]);
                int w = 0;
                for (int c = 0; c < rows.Length; c++)
                {
                    int r = rows[c];
                    rows[w] = r;
                    keys[w] = keys[c];
                    w += active[r] ? 1 : 0;
                }
                _compactLength[i] = w;
            }
            for (int j = 0; j < n; j++) _present[j] = active[j];
        }
        int k = Math.Min(neighbours, activeCount - 1), count = 0;
        for (int i = 0; i < n; i++)
        {
            if (!active[i] || nonFinite[i]) scores[i] = double.PositiveInfinity;
            else _scored[count++] = i;
        }
        // Each active row's copy holds exactly the other active rows (activeCount − 1 ≥ k entries).
        ref double key = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_compactKeys);
        int g = 0;
        for (; g + 4 <= count; g += 4)
        {
            int i0 = _scored[g], i1 = _scored[g + 1], i2 = _scored[g + 2], i3 = _scored[g + 3];
            ref double k0 = ref System.Runtime.CompilerServices.Unsafe.Add(ref key, i0 * width);
            ref double k1 = ref System.Runtime.CompilerServices.Unsafe.Add(ref key, i1 * width);
            ref double k2 = ref System.Runtime.CompilerServices.Unsafe.Add(ref key, i2 * width);
            ref double k3 = ref System.Runtime.CompilerServices.Unsafe.Add(ref key, i3 * width);
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int t = 0; t < k; t++)
            {
                s0 += System.Runtime.CompilerServices.Unsafe.Add(ref k0, t);
                s1 += System.Runtime.CompilerServices.Unsafe.Add(ref k1, t);
                s2 += System.Runtime.CompilerServices.Unsafe.Add(ref k2, t);
                s3 += System.Runtime.CompilerServices.Unsafe.Add(ref k3, t);
            }
            scores[i0] = KrumScoring.Total(variant, s0, k);
            scores[i1] = KrumScoring.Total(variant, s1, k);
            scores[i2] = KrumScoring.Total(variant, s2, k);
            scores[i3] = KrumScoring.Total(variant, s3, k);
        }
        for (; g < count; g++)
        {
            int i = _scored[g];
            var keys = _compactKeys.AsSpan(i * width, k);
            double s = 0;
            foreach (double x in keys) s += x;
            scores[i] = KrumScoring.Total(variant, s, k);
        }
    }
}
