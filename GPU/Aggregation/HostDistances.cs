using TorchSharp;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation;

/// <summary>
/// The n×n squared distances of a batch (computed on the device by <see cref="TensorOps.SquaredDistances"/>)
/// brought to the host with the non-finite flags, for the selection logic of the distance-based rules
/// (n is small: the decisions are taken on the host, the averaging stays on the device).
/// </summary>
internal sealed class HostDistances
{
    private HostDistances(double[] squared, bool[] nonFinite)
    {
        Squared = squared;
        NonFinite = nonFinite;
        Count = nonFinite.Length;
    }

    public int Count { get; }

    /// <summary>Row-major n×n squared distances; +∞ to and from non-finite rows; diagonal 0.</summary>
    public double[] Squared { get; }

    public bool[] NonFinite { get; }

    public double this[int i, int j] => Squared[i * Count + j];

    public int NonFiniteCount
    {
        get
        {
            int c = 0;
            foreach (bool b in NonFinite) if (b) c++;
            return c;
        }
    }

    public static HostDistances Compute(Tensor x)
    {
        var finite = TensorOps.FiniteRows(x);
        var d = TensorOps.SquaredDistances(x, finite);
        bool[] ok = TensorOps.ToHostBool(finite);
        var bad = new bool[ok.Length];
        for (int i = 0; i < ok.Length; i++) bad[i] = !ok[i];
        double[] sq = TensorOps.ToHost(d.reshape(-1));
        for (int i = 0; i < ok.Length; i++) sq[i * ok.Length + i] = 0;
        return new HostDistances(sq, bad);
    }

    /// <summary>
    /// Krum scores over the rows flagged in <paramref name="active"/>: for each active finite row, the
    /// sum (or mean, when <paramref name="mean"/>) of its <paramref name="k"/> smallest squared distances
    /// to the other active rows; +∞ for non-finite and inactive rows.
    /// </summary>
    public double[] KrumScores(ReadOnlySpan<bool> active, int k, bool mean)
    {
        int n = Count;
        var scores = new double[n];
        var buffer = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (!active[i] || NonFinite[i])
            {
                scores[i] = double.PositiveInfinity;
                continue;
            }
            int m = 0;
            for (int j = 0; j < n; j++)
            {
                if (j != i && active[j]) buffer[m++] = this[i, j];
            }
            Array.Sort(buffer, 0, m);
            double s = 0;
            for (int t = 0; t < k && t < m; t++) s += buffer[t];
            scores[i] = mean ? s / k : s;
        }
        return scores;
    }

    /// <summary>Rows ordered by (non-finite last, score ascending, index): the Krum family's order.</summary>
    public int[] OrderByScore(ReadOnlySpan<double> scores, ReadOnlySpan<bool> active)
    {
        int n = Count;
        var keys = new double[n];
        var order = new List<int>(n);
        for (int i = 0; i < n; i++) if (active[i]) order.Add(i);
        var s = scores.ToArray();
        var bad = NonFinite;
        order.Sort((a, b) =>
        {
            int c = bad[a].CompareTo(bad[b]);
            if (c != 0) return c;
            c = s[a].CompareTo(s[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order.ToArray();
    }

    /// <summary>Row <paramref name="i"/>'s <paramref name="count"/> nearest rows (itself included, ties by index).</summary>
    public int[] Nearest(int i, int count)
    {
        int n = Count;
        var order = new int[n];
        for (int j = 0; j < n; j++) order[j] = j;
        var row = new double[n];
        for (int j = 0; j < n; j++) row[j] = this[i, j];
        Array.Sort(order, (a, b) =>
        {
            int c = row[a].CompareTo(row[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order[..count];
    }
}
