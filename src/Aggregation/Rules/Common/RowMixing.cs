using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Forms m output rows at once, row o = (float)((Σ_k W[o,k]·v_k) / D[o]), in one blocked pass over the
/// input: the common step of the pre-aggregators (bucket means, nearest-neighbour means, clipping).
/// </summary>
/// <remarks>
/// <para>Same arithmetic as <see cref="RowCombination"/> (float64 products and sums, rows in index order, zero
/// weights skipped, one rounding), so it is exact on identical rows and independent of the chunking: every
/// coordinate of every output is its own sum, so neither the cut into chunks nor the order in which outputs and
/// coordinates are visited changes a bit. A denominator of exactly 1 is not divided by (x / 1 is x for every
/// float64 x, NaN included).</para>
/// <para>Two visiting orders, chosen from the weights (speed only): when every output has at most
/// <see cref="SparseLimit"/> non-zero weights (clipping: one; buckets of up to four), each output streams through its
/// rows' chunk in order (two sequential streams per output instead of n interleaved ones); otherwise (nearest-neighbour
/// means) each 128-coordinate sub-block of the chunk is read once for all outputs while it sits in cache.</para>
/// </remarks>
internal sealed class RowMixing : IChunkJob
{
    /// <summary>Coordinates per chunk: at d = 10⁵, 49 chunks to balance between the threads.</summary>
    private const int ChunkLength = 2048;

    /// <summary>Most non-zero weights per output for which outputs are formed one after the other.</summary>
    internal const int SparseLimit = 4;

    private GradientBatch? _input;
    private float[] _destination = [];
    private double[] _weights = [];
    private double[] _denominators = [];
    // The non-zero weights of each output, in index order: output o's are _columns/_values[_starts[o] .. _starts[o + 1]).
    private int[] _starts = [];
    private int[] _columns = [];
    private double[] _values = [];
    private bool _sparse;
    private int _outputs;
    private int _n;

    /// <summary>Forces the visiting order for tests: null chooses from the weights.</summary>
    internal bool? SparseOverride { get; set; }

    /// <summary>Weight matrix (m×n, row-major) to fill before <see cref="Compute"/>; sized by <see cref="Prepare"/>.</summary>
    public Span<double> Weights => _weights.AsSpan(0, _outputs * _n);

    public Span<double> Denominators => _denominators.AsSpan(0, _outputs);

    /// <summary>Sizes and clears the weights for <paramref name="outputs"/> rows over <paramref name="n"/> inputs.</summary>
    public void Prepare(int outputs, int n)
    {
        _outputs = outputs;
        _n = n;
        if (_weights.Length < outputs * n)
        {
            _weights = new double[outputs * n];
            _columns = new int[outputs * n];
            _values = new double[outputs * n];
        }
        if (_denominators.Length < outputs) _denominators = new double[outputs];
        if (_starts.Length < outputs + 1) _starts = new int[outputs + 1];
        _weights.AsSpan(0, outputs * n).Clear();
        _denominators.AsSpan(0, outputs).Fill(1.0);
    }

    /// <summary>Writes the m rows into <paramref name="destination"/> (m×d, row-major).</summary>
    public void Compute(GradientBatch input, float[] destination)
    {
        if (input.Count != _n) throw new InvalidOperationException("prepared for another n");
        int n = _n, count = 0, most = 0;
        for (int o = 0; o < _outputs; o++)
        {
            _starts[o] = count;
            for (int k = 0; k < n; k++)
            {
                double w = _weights[o * n + k];
                if (w == 0) continue;
                _columns[count] = k;
                _values[count++] = w;
            }
            most = Math.Max(most, count - _starts[o]);
        }
        _starts[_outputs] = count;
        _sparse = SparseOverride ?? most <= SparseLimit;
        _input = input;
        _destination = destination;
        ChunkRunner.Run(this, (input.Dimension + ChunkLength - 1) / ChunkLength);
        _input = null;
        _destination = [];
    }

    public void RunChunk(int chunk)
    {
        int d = _input!.Dimension;
        int start = chunk * ChunkLength, end = Math.Min(d, start + ChunkLength);
        Span<double> acc = stackalloc double[Blocking.SubBlock];
        if (_sparse)
        {
            for (int o = 0; o < _outputs; o++)
            {
                for (int s = start; s < end; s += Blocking.SubBlock) Output(o, s, Math.Min(Blocking.SubBlock, end - s), acc);
            }
            return;
        }
        for (int s = start; s < end; s += Blocking.SubBlock)
        {
            int len = Math.Min(Blocking.SubBlock, end - s);
            for (int o = 0; o < _outputs; o++) Output(o, s, len, acc);
        }
    }

    /// <summary>Output <paramref name="o"/>'s coordinates [s, s + len): its rows' weighted values added in index order, then divided.</summary>
    private void Output(int o, int s, int len, Span<double> acc)
    {
        var input = _input!;
        int d = input.Dimension, blocks = len & ~7;
        ReadOnlySpan<float> data = input.Data;
        ref double ra = ref MemoryMarshal.GetReference(acc);
        acc.Clear();
        for (int e = _starts[o]; e < _starts[o + 1]; e++)
        {
            double w = _values[e];
            var row = data.Slice(_columns[e] * d + s, len);
            ref float rr = ref MemoryMarshal.GetReference(row);
            var wv = Vector256.Create(w);
            for (int t = 0; t < blocks; t += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref rr, (nuint)t));
                (Vector256.LoadUnsafe(ref ra, (nuint)t) + wv * lo).StoreUnsafe(ref ra, (nuint)t);
                (Vector256.LoadUnsafe(ref ra, (nuint)(t + 4)) + wv * hi).StoreUnsafe(ref ra, (nuint)(t + 4));
            }
            for (int t = blocks; t < len; t++) acc[t] += w * row[t];
        }
        double den = _denominators[o];
        Span<float> dst = _destination.AsSpan(o * d + s, len);
        ref float rd = ref MemoryMarshal.GetReference(dst);
        if (den == 1.0)
        {
            for (int t = 0; t < blocks; t += 8)
                Vector256.Narrow(Vector256.LoadUnsafe(ref ra, (nuint)t), Vector256.LoadUnsafe(ref ra, (nuint)(t + 4))).StoreUnsafe(ref rd, (nuint)t);
            for (int t = blocks; t < len; t++) dst[t] = (float)acc[t];
            return;
        }
        var dv = Vector256.Create(den);
        for (int t = 0; t < blocks; t += 8)
        {
            Vector256.Narrow(Vector256.LoadUnsafe(ref ra, (nuint)t) / dv, Vector256.LoadUnsafe(ref ra, (nuint)(t + 4)) / dv)
                .StoreUnsafe(ref rd, (nuint)t);
        }
        for (int t = blocks; t < len; t++) dst[t] = (float)(acc[t] / den);
    }
}

/// <summary>Parameter helpers shared by the rule factories.</summary>
internal static class RuleParameters
{
    /// <summary>
    /// Reads the Byzantine count <paramref name="key"/>: given explicitly, or else the build context's
    /// declared q, or else it is required.
    /// </summary>
    public static int ByzantineCount(Specs.SpecParameters p, AggregatorBuildContext context, string key = "f")
    {
        if (p.Has(key)) return p.GetInt(key, defaultValue: 0, min: 0);
        if (context.DeclaredByzantine >= 0) return context.DeclaredByzantine;
        return p.RequireInt(key, min: 0);
    }

    /// <summary>The tolerance error every rule throws, naming the rule, the condition and the actual n.</summary>
    public static SimByzException Tolerance(string spec, string condition, int n)
        => new($"{spec}: tolerance condition {condition} does not hold for n = {n} inputs");

    /// <summary>Insertion-sorts <paramref name="order"/> by (flag, key, index) ascending: flagged items last, ties by lower index.</summary>
    public static void OrderBy(Span<int> order, ReadOnlySpan<double> key, ReadOnlySpan<bool> flagged)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        for (int i = 1; i < order.Length; i++)
        {
            int x = order[i];
            int j = i - 1;
            while (j >= 0 && Before(x, order[j], key, flagged))
            {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = x;
        }
    }

    /// <summary>
    /// The first index of <see cref="OrderBy"/>'s order among those <paramref name="eligible"/> marks (−1 when none): the
    /// eligible index that no other eligible index precedes, found in one pass.
    /// </summary>
    public static int First(ReadOnlySpan<double> key, ReadOnlySpan<bool> flagged, ReadOnlySpan<bool> eligible)
    {
        int best = -1;
        for (int i = 0; i < eligible.Length; i++)
        {
            if (eligible[i] && (best < 0 || Before(i, best, key, flagged))) best = i;
        }
        return best;
    }

    private static bool Before(int a, int b, ReadOnlySpan<double> key, ReadOnlySpan<bool> flagged)
    {
        bool fa = !flagged.IsEmpty && flagged[a], fb = !flagged.IsEmpty && flagged[b];
        if (fa != fb) return fb;
        double ka = double.IsNaN(key[a]) ? double.PositiveInfinity : key[a];
        double kb = double.IsNaN(key[b]) ? double.PositiveInfinity : key[b];
        if (ka != kb) return ka < kb;
        return a < b;
    }
}
