using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Aggregation.Rules;

/// <summary>How a coordinate-wise rule reduces the sorted values of one coordinate.</summary>
internal interface IColumnReducer
{
    /// <summary>Reduces 8 coordinates at once: <paramref name="sorted"/>[r] holds rank r of each lane (all n values, no NaN).</summary>
    Vector256<float> Reduce8(ReadOnlySpan<Vector256<float>> sorted);

    /// <summary>The same reduction of 16 coordinates: lane l of the result is bit for bit what <see cref="Reduce8"/> gives that lane.</summary>
    Vector512<float> Reduce16(ReadOnlySpan<Vector512<float>> sorted);

    /// <summary>Reduces one coordinate from its sorted non-NaN values (possibly fewer than n, possibly none).</summary>
    float Reduce(ReadOnlySpan<float> sorted);
}

/// <summary>
/// Drives a coordinate-wise rule over a batch, 16 coordinates at a time: the n values of each lane are
/// loaded from the n rows, sorted by the comparator network and reduced. With AVX-512 (and a compiled
/// network) one set of 16 lanes goes through <see cref="SortingNetwork.Sort(Span{Vector512{float}})"/>;
/// otherwise two sets of 8 lanes go through one pass. A set of 8 coordinates holding a NaN, and the last
/// d mod 8 coordinates, go through the scalar path (NaN dropped, insertion sort).
/// </summary>
/// <remarks>Every coordinate is computed independently, so chunking cannot change a bit; which path a
/// coordinate takes depends on the data only (sets of 8 from coordinate 0, at any vector width: a set of
/// 16 holding a NaN is split into its two sets of 8), and a set of lanes sorted beside others gets
/// exactly the comparators it gets alone (<see cref="SortingNetwork.SortTwo"/>; min and max are exact,
/// so 8 or 16 lanes give the same bits). −0 is read as +0 (nothing else changes), so results never
/// depend on how a platform orders −0 and +0. The result is written straight into the caller's output
/// (pinned for the length of <see cref="Run"/>).</remarks>
internal sealed unsafe class ColumnKernel<TReducer> : IChunkJob
    where TReducer : struct, IColumnReducer
{
    // Small enough that n = 100, d = 10⁵ still gives dozens of chunks to balance between threads.
    private const int ChunkLength = 2048;
    private long[] _offsets = [];
    private int _rowCount;
    private GradientBatch? _input;
    private SortingNetwork? _network;
    private TReducer _reducer;
    private float* _output;

    /// <summary>Runs over the rows listed in <paramref name="rows"/> (all rows when empty); <paramref name="order"/>: the chunks' order (speed only).</summary>
    public void Run(GradientBatch input, ReadOnlySpan<int> rows, SortingNetwork network, TReducer reducer, Span<float> output,
        ChunkOrder order = ChunkOrder.Ascending)
    {
        int d = input.Dimension;
        if (output.Length < d) throw new ArgumentException("output shorter than d", nameof(output));
        _rowCount = rows.IsEmpty ? input.Count : rows.Length;
        if (_offsets.Length < _rowCount) _offsets = new long[_rowCount];
        for (int k = 0; k < _rowCount; k++) _offsets[k] = (long)(rows.IsEmpty ? k : rows[k]) * d;
        if (network.Size != _rowCount) throw new InvalidOperationException("network size differs from the row count");
        _input = input;
        _network = network;
        _reducer = reducer;
        fixed (float* destination = output)
        {
            _output = destination;
            try
            {
                ChunkRunner.Run(this, (d + ChunkLength - 1) / ChunkLength, order);
            }
            finally
            {
                _output = null;
                _input = null;
            }
        }
    }

    public void RunChunk(int chunk)
    {
        var input = _input!;
        int n = _rowCount, d = input.Dimension;
        ReadOnlySpan<float> data = input.Data;
        ref float r0 = ref MemoryMarshal.GetReference(data);
        var result = new Span<float>(_output, d);
        int start = chunk * ChunkLength, end = Math.Min(d, start + ChunkLength);
        int pairEnd = start + ((end - start) & ~15), vectorEnd = start + ((end - start) & ~7);
        Vector256<float>[]? rentedV = null;
        float[]? rentedF = null;
        Span<Vector256<float>> lanes = n <= 128 ? stackalloc Vector256<float>[2 * n] : (rentedV = ArrayPool<Vector256<float>>.Shared.Rent(2 * n)).AsSpan(0, 2 * n);
        Span<float> column = n <= 1024 ? stackalloc float[n] : (rentedF = ArrayPool<float>.Shared.Rent(n)).AsSpan(0, n);
        ReadOnlySpan<long> offsets = _offsets.AsSpan(0, n);
        var network = _network!;
        var low = lanes[..n];
        var high = lanes.Slice(n, n);
        int j = start, distance = PrefetchDistance(n);
        fixed (float* rows = data)
        {
            if (network.Prefers512 && n <= SortingNetwork.MaxCompiledSize)
            {
                Vector512<float>* wideValues = stackalloc Vector512<float>[n];
                var wide = new Span<Vector512<float>>(wideValues, n);
                float** starts = stackalloc float*[n]; // each row's first value, so that a load is one addition away
                for (int k = 0; k < n; k++) starts[k] = rows + offsets[k];
                for (; j < pairEnd; j += 16)
                {
                    ulong finite = Load16(starts, n, j, j + distance < end ? distance : 0, wideValues);
                    if (finite == 0xFFFFu)
                    {
                        network.Sort(wide);
                        _reducer.Reduce16(wide).StoreUnsafe(ref result[0], (nuint)j);
                        continue;
                    }
                    // A NaN: each set of 8 takes the path it takes alone (the network when it holds none).
                    for (int k = 0; k < n; k++)
                    {
                        low[k] = wide[k].GetLower();
                        high[k] = wide[k].GetUpper();
                    }
                    Block(low, (finite & 0xFF) == 0xFF, data, offsets, j, column, result);
                    Block(high, finite >> 8 == 0xFF, data, offsets, j + 8, column, result);
                }
            }
            for (; j < pairEnd; j += 16)
            {
                var ok0 = Vector256<float>.AllBitsSet;
                var ok1 = Vector256<float>.AllBitsSet;
                bool prefetch = Sse.IsSupported && j + distance < end; // as Load16 asks for the rows' lines
                for (int k = 0; k < n; k++)
                {
                    float* at = rows + offsets[k] + j;
                    if (prefetch) RowPrefetch.Line(at + distance);
                    var x0 = Vector256.Load(at);
                    var x1 = Vector256.Load(at + 8);
                    low[k] = Vector256.ConditionalSelect(Vector256.Equals(x0, Vector256<float>.Zero), Vector256<float>.Zero, x0); // −0 → +0, see SortingNetwork
                    high[k] = Vector256.ConditionalSelect(Vector256.Equals(x1, Vector256<float>.Zero), Vector256<float>.Zero, x1);
                    ok0 &= Vector256.Equals(x0, x0);
                    ok1 &= Vector256.Equals(x1, x1);
                }
                bool finite0 = ok0.ExtractMostSignificantBits() == 0xFFu, finite1 = ok1.ExtractMostSignificantBits() == 0xFFu;
                if (finite0 && finite1)
                {
                    network.SortTwo(lanes);
                    _reducer.Reduce8(low).StoreUnsafe(ref result[0], (nuint)j);
                    _reducer.Reduce8(high).StoreUnsafe(ref result[0], (nuint)(j + 8));
                    continue;
                }
                Block(low, finite0, data, offsets, j, column, result);
                Block(high, finite1, data, offsets, j + 8, column, result);
            }
        }
        for (; j < vectorEnd; j += 8)
        {
            var ok = Vector256<float>.AllBitsSet;
            for (int k = 0; k < n; k++)
            {
                var x = Vector256.LoadUnsafe(ref r0, (nuint)(offsets[k] + j));
                low[k] = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), Vector256<float>.Zero, x);
                ok &= Vector256.Equals(x, x);
            }
            Block(low, ok.ExtractMostSignificantBits() == 0xFFu, data, offsets, j, column, result);
        }
        for (int c = vectorEnd; c < end; c++) result[c] = Scalar(data, offsets, c, column);
        if (rentedV is not null) ArrayPool<Vector256<float>>.Shared.Return(rentedV);
        if (rentedF is not null) ArrayPool<float>.Shared.Return(rentedF);
    }

    /// <summary>
    /// Coordinates ahead of the loads that <see cref="Load16"/> prefetches for <paramref name="n"/> rows: about 4 096 / n,
    /// in whole cache lines (multiples of 16), from 16 to 96, so that up to n = 256 about n × distance ≈ 4 096 floats
    /// (256 lines, 16 KB) are on their way at any time (session 27's reasoning, when they went to L1: a third of a 48 KB L1); above 256 rows (the 8-lane path only) 16,
    /// and more lines ahead: not measured.
    /// </summary>
    /// <remarks>
    /// The lines asked for ahead grow as n × distance, and a set of 16 coordinates takes longer as n grows (its network
    /// grows faster than n), so fewer coordinates ahead still cover the memory's latency. Session 27 (AMD EPYC family 26,
    /// 48 KB L1), in a throwaway driver: at n = 100 the former fixed 96 (600 lines ahead, most of the L1's 768: the
    /// likely cause) was slower than 32 and 16; at n = 20 (memory-bound) 96 was faster than 32 and 16. The lines are
    /// asked for in L2 since session 29 (<see cref="RowPrefetch"/>), at the same distances. Speed only: no bit depends on it.
    /// </remarks>
    internal static int PrefetchDistance(int n) => Math.Clamp((4096 / Math.Max(n, 1)) & ~15, 16, 96);

    /// <summary>
    /// Loads coordinates <paramref name="j"/> … j+15 of the n rows (<paramref name="starts"/>: each row's first value)
    /// into <paramref name="wide"/>, −0 read as +0 (x + (+0) is x for every other x, and +0 for −0); returns one bit per
    /// lane that holds no NaN. Prefetches the rows <paramref name="distance"/> coordinates ahead (none when 0): n
    /// interleaved streams defeat the hardware prefetcher, and the loads then wait on memory.
    /// </summary>
    private static ulong Load16(float** starts, int n, int j, int distance, Vector512<float>* wide)
    {
        var ok = Vector512<float>.AllBitsSet;
        float** last = starts + n;
        if (distance > 0 && Sse.IsSupported)
        {
            for (float** row = starts; row < last; row++, wide++)
            {
                float* at = *row + j;
                RowPrefetch.Line(at + distance);
                var x = Vector512.Load(at);
                *wide = x + Vector512<float>.Zero;
                ok &= Vector512.Equals(x, x);
            }
        }
        else
        {
            for (float** row = starts; row < last; row++, wide++)
            {
                var x = Vector512.Load(*row + j);
                *wide = x + Vector512<float>.Zero;
                ok &= Vector512.Equals(x, x);
            }
        }
        return ok.ExtractMostSignificantBits();
    }

    /// <summary>One set of 8 coordinates from <paramref name="j"/>: the network when it holds no NaN, else the scalar path.</summary>
    private void Block(Span<Vector256<float>> lanes, bool finite, ReadOnlySpan<float> data, ReadOnlySpan<long> offsets, int j,
        Span<float> column, Span<float> result)
    {
        if (finite)
        {
            _network!.Sort(lanes);
            _reducer.Reduce8(lanes).StoreUnsafe(ref result[0], (nuint)j);
        }
        else
        {
            for (int c = j; c < j + 8; c++) result[c] = Scalar(data, offsets, c, column);
        }
    }

    private float Scalar(ReadOnlySpan<float> data, ReadOnlySpan<long> offsets, int c, Span<float> column)
    {
        int m = 0;
        foreach (long offset in offsets)
        {
            float x = data[(int)(offset + c)];
            if (!float.IsNaN(x)) column[m++] = x == 0f ? 0f : x;
        }
        var values = column[..m];
        SortingNetwork.InsertionSort(values);
        return _reducer.Reduce(values);
    }
}

/// <summary>Shared reductions of sorted columns.</summary>
internal static class ColumnMath
{
    /// <summary>Median of sorted values; even count: mean of the two middle values (in float64); empty: 0.</summary>
    public static float Median(ReadOnlySpan<float> sorted)
    {
        int m = sorted.Length;
        if (m == 0) return 0f;
        if ((m & 1) == 1) return sorted[m / 2];
        return (float)(((double)sorted[m / 2 - 1] + sorted[m / 2]) * 0.5);
    }

    /// <summary>Mean (float64 sum in rank order) of ranks <paramref name="from"/> … <paramref name="to"/>−1.</summary>
    public static float MeanOfRanks(ReadOnlySpan<float> sorted, int from, int to)
    {
        double s = 0;
        for (int r = from; r < to; r++) s += sorted[r];
        return (float)(s / (to - from));
    }

    /// <summary>
    /// Mean of the <paramref name="count"/> values closest to the median (even count of values: the
    /// median is the mean of the two middle ones, in float64). Distances |v − median| are taken in
    /// float64; at equal distance a value below the median is kept before one above it (the lower
    /// value first), so the kept multiset is the first <paramref name="count"/> of the values ordered
    /// by (distance, value). Equal values are interchangeable, so this fixes the result.
    /// </summary>
    /// <remarks>
    /// <para>The kept values are the window of <paramref name="count"/> consecutive sorted values
    /// starting at rank L = #{ l : s[l+count] − median &lt; median − s[l] }: sliding the window up one
    /// rank drops s[l] and takes s[l+count], which is worth it exactly when the value taken is strictly
    /// nearer (a value below the median never loses to the one count ranks above, a tie goes to the
    /// lower value). Counting every such l, rather than comparing windows by their farthest member,
    /// stays exact when several values sit at the same distance, e.g. colluding Byzantine inputs that
    /// all send one value: a window-cost minimum can then be reached by a window that keeps all of
    /// them and drops nearer honest values. Two values on the same side whose float64 distances round
    /// to the same number (possible only for magnitudes far apart) count the nearer one first, which
    /// keeps the window consecutive.</para>
    /// <para>The window is summed in rank order in float64, divided by its size and rounded once.
    /// ±∞ are farthest from a finite median. A median that is not finite (more than half the values
    /// are the same infinity, or half −∞ and half +∞) is returned as it is. Empty input gives 0.</para>
    /// </remarks>
    public static float MeanClosestToMedian(ReadOnlySpan<float> sorted, int count)
    {
        int m = sorted.Length;
        if (m == 0) return 0f;
        count = Math.Min(count, m);
        double median = (m & 1) == 1 ? sorted[m / 2] : ((double)sorted[m / 2 - 1] + sorted[m / 2]) * 0.5;
        if (!double.IsFinite(median)) return (float)median;
        int start = 0;
        for (int l = 0; l + count < m; l++)
        {
            if (sorted[l + count] - median < median - sorted[l]) start++;
        }
        double s = 0;
        for (int r = start; r < start + count; r++) s += sorted[r];
        return (float)(s / count);
    }

    public static Vector256<float> Average(Vector256<float> a, Vector256<float> b)
    {
        var (alo, ahi) = Vector256.Widen(a);
        var (blo, bhi) = Vector256.Widen(b);
        var half = Vector256.Create(0.5);
        return Vector256.Narrow((alo + blo) * half, (ahi + bhi) * half);
    }

    public static Vector512<float> Average(Vector512<float> a, Vector512<float> b)
    {
        var (alo, ahi) = Vector512.Widen(a);
        var (blo, bhi) = Vector512.Widen(b);
        var half = Vector512.Create(0.5);
        return Vector512.Narrow((alo + blo) * half, (ahi + bhi) * half);
    }
}
