using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// The fixed cut of a d-dimensional reduction used by every distance computed by the rules, so that
/// the result is the same whatever the number of threads.
/// </summary>
/// <remarks>
/// Coordinates are cut into sub-blocks of <see cref="SubBlock"/> values and chunks of
/// <see cref="ChunkLength"/> values (both fixed constants). A squared distance is
/// Σ_chunks ( Σ_sub-blocks of the chunk <see cref="LaneKernels.SquaredDistance"/>(sub-block) ), every
/// sum taken left to right in float64; chunks may run on different threads, their partial sums are
/// added in chunk order. Sub-blocks keep the n rows' slices in L1 while all pairs are formed.
/// </remarks>
internal static class Blocking
{
    public const int SubBlock = 128;
    public const int ChunkLength = 128 * SubBlock;

    public static int ChunkCount(int d) => (d + ChunkLength - 1) / ChunkLength;
}

/// <summary>
/// All pairwise squared Euclidean distances and squared norms of a batch's rows, in one blocked pass
/// over the data (<see cref="Blocking"/>). A row whose squared norm is not finite (it holds NaN or
/// ±∞, or values so large that their square overflows) is flagged non-finite and is at distance +∞
/// from every other row.
/// </summary>
internal sealed class PairwiseDistances : IChunkJob
{
    [ThreadStatic]
    private static float[]? t_lanes;
    private double[] _partials = [];
    private GradientBatch? _input;
    private int _n;
    private int _stride;
    private int _parts;
    private (int N, int Parts) _scheduled = (-1, 0);
    // Work is cut into chunks × parts: part q of a chunk forms the pairs (i, j), i < j, of the rows
    // i in _rows[q] … _rows[q + 1] − 1 (multiples of 4 but the last, n), whose entries (with the norms, in part 0)
    // are the contiguous range _entries[q] … _entries[q + 1] − 1. Rows go by quads (i … i+3, i a multiple of 4):
    // 4×4 tiles (the quad against rows j … j+3, j ≥ i + 4), the quad's six pairs among themselves (with the quad's norms
    // in part 0) in one kernel, and leftover pairs four at a time (the quad's pairs with the last n − j < 4 rows,
    // and the pairs of the last n mod 4 rows, in the last part), padded with row 0 against itself into the spare entry _stride. The direct kernels of a
    // sub-block with a tail go by bands of two rows (i, i+1, i even) over the same rows. Every entry's sum
    // is the same whatever the cut and the tile (each is formed whole by one part, in the documented order),
    // so the cut may depend on the thread count: it only balances the threads.
    private int[] _rows = [];
    private int[] _entries = [];
    private int[] _tileStarts = [];
    private int[] _leftoverStarts = [];
    private int[] _tiles = [];
    private int[] _quadStarts = [];
    private int[] _quads = [];
    // Lane offsets (8 × entry) of each quad's pairs (i, i+1), (i+1, i+2), (i+2, i+3): each the first of its row's pairs in the quad.
    private int[] _quadLanes = [];
    private int[] _leftovers = [];
    // Lane offsets (8 × entry) of each tile's four rows of pairs, and the entry of each leftover pair (the
    // padding's is the spare entry), fixed with the schedule so that the hot loop only reads them.
    private int[] _tileLanes = [];
    private int[] _leftoverEntries = [];

    /// <summary>Forces the number of parts per chunk (tests); 0 chooses from the shape and the thread count.</summary>
    internal int PartsOverride { get; set; }

    /// <summary>n×n squared distances, row-major; diagonal 0.</summary>
    public double[] Squared { get; private set; } = [];

    public double[] SquaredNorms { get; private set; } = [];

    public bool[] NonFinite { get; private set; } = [];

    public int Count => _n;

    public double this[int i, int j] => Squared[i * _n + j];

    /// <summary>Computes everything for <paramref name="input"/>; returns the number of non-finite rows.</summary>
    public int Compute(GradientBatch input)
    {
        int n = input.Count, d = input.Dimension;
        int chunks = Blocking.ChunkCount(d);
        _n = n;
        _stride = n * (n - 1) / 2 + n;
        if (_partials.Length < chunks * _stride) _partials = new double[chunks * _stride];
        if (Squared.Length < n * n)
        {
            Squared = new double[n * n];
            SquaredNorms = new double[n];
            NonFinite = new bool[n];
        }
        // Few chunks for the threads (n = 100, d = 10⁵: 7 chunks on 2 threads): also cut the pairs.
        int threads = ChunkRunner.MaxThreads;
        int parts = PartsOverride > 0 ? PartsOverride : chunks < 8 * threads ? threads : 1;
        parts = Math.Max(1, Math.Min(parts, n / 4));
        if (_scheduled != (n, parts)) Schedule(n, parts);
        _parts = parts;
        _input = input;
        ChunkRunner.Run(this, chunks * parts);
        _input = null;

        int bad = 0;
        for (int k = 0; k < _stride; k++)
        {
            double s = 0;
            for (int c = 0; c < chunks; c++) s += _partials[c * _stride + k];
            _partials[k] = s;
        }
        for (int i = 0; i < n; i++)
        {
            double norm = _partials[i];
            SquaredNorms[i] = norm;
            NonFinite[i] = !double.IsFinite(norm);
            if (NonFinite[i]) bad++;
        }
        int p = n;
        for (int i = 0; i < n; i++)
        {
            Squared[i * n + i] = 0;
            for (int j = i + 1; j < n; j++)
            {
                double s = _partials[p++];
                if (NonFinite[i] || NonFinite[j] || !double.IsFinite(s)) s = double.PositiveInfinity;
                Squared[i * n + j] = s;
                Squared[j * n + i] = s;
            }
        }
        return bad;
    }

    /// <summary>Pair (i, j), i &lt; j, sits at n + i·n − i(i+1)/2 + (j − i − 1); row i's squared norm at i.</summary>
    private static int PairIndex(int n, int i, int j) => n + i * n - i * (i + 1) / 2 + (j - i - 1);

    private void Schedule(int n, int parts)
    {
        int quadCount = n / 4;
        var rows = new int[parts + 1];
        var entries = new int[parts + 1];
        var tileStarts = new int[parts + 1];
        var leftoverStarts = new int[parts + 1];
        var tiles = new List<int>();
        var leftovers = new List<int>();
        var quads = new List<int>();
        var quadStarts = new int[parts + 1];
        // Quads cut so that the parts hold about the same number of pairs.
        long total = (long)n * (n - 1) / 2, done = 0;
        int quad = 0;
        for (int q = 0; q < parts; q++)
        {
            rows[q] = 4 * quad;
            entries[q] = q == 0 ? 0 : PairIndex(n, 4 * quad, 4 * quad + 1);
            tileStarts[q] = tiles.Count;
            leftoverStarts[q] = leftovers.Count;
            quadStarts[q] = quads.Count;
            long target = total * (q + 1) / parts;
            for (; quad < quadCount && (q == parts - 1 || done < target); quad++)
            {
                int i0 = 4 * quad;
                done += 4L * n - 4 * i0 - 10;
                quads.Add(i0);
                int j = i0 + 4;
                for (; j + 4 <= n; j += 4)
                {
                    tiles.Add(i0);
                    tiles.Add(j);
                }
                for (; j < n; j++)
                {
                    for (int r = 0; r < 4; r++)
                    {
                        leftovers.Add(i0 + r);
                        leftovers.Add(j);
                    }
                }
            }
            // The part's tiles by blocks of TileColumnRows columns, each block against the part's quads in order: a
            // block's rows stay in L1 while every quad meets them (quad by quad, all columns after it, read every
            // column row again from L2 for each quad once a sub-block outgrows L1). Any order gives the same bits.
            SortTiles(tiles, tileStarts[q]);
            if (q == parts - 1)
            {
                // The last n mod 4 rows, which make no quad.
                for (int i = 4 * quadCount; i < n; i++)
                {
                    for (int j = i + 1; j < n; j++)
                    {
                        leftovers.Add(i);
                        leftovers.Add(j);
                    }
                }
            }
            while (leftovers.Count % 8 != 0) leftovers.Add(-1);
        }
        rows[parts] = n;
        entries[parts] = _stride;
        tileStarts[parts] = tiles.Count;
        leftoverStarts[parts] = leftovers.Count;
        quadStarts[parts] = quads.Count;
        _rows = rows;
        _entries = entries;
        _tileStarts = tileStarts;
        _leftoverStarts = leftoverStarts;
        _tiles = tiles.ToArray();
        _quadStarts = quadStarts;
        _quads = quads.ToArray();
        _quadLanes = new int[3 * quads.Count];
        for (int k = 0; k < quads.Count; k++)
        {
            for (int r = 0; r < 3; r++) _quadLanes[3 * k + r] = 8 * PairIndex(n, quads[k] + r, quads[k] + r + 1);
        }
        _tileLanes = new int[2 * tiles.Count];
        for (int k = 0; k < tiles.Count; k += 2)
        {
            for (int r = 0; r < 4; r++) _tileLanes[2 * k + r] = 8 * PairIndex(n, tiles[k] + r, tiles[k + 1]);
        }
        _leftoverEntries = new int[leftovers.Count / 2];
        for (int k = 0; k < _leftoverEntries.Length; k++)
        {
            _leftoverEntries[k] = (int)Entry(n, leftovers[2 * k], leftovers[2 * k + 1]);
        }
        // The padding reads row 0 (its lanes go to the spare entry).
        _leftovers = leftovers.Select(i => Math.Max(i, 0)).ToArray();
        _scheduled = (n, parts);
    }

    public void RunChunk(int item)
    {
        var input = _input!;
        int n = _n, d = input.Dimension;
        int chunk = item / _parts, part = item % _parts;
        ReadOnlySpan<float> data = input.Data;
        ref float r0 = ref MemoryMarshal.GetReference(data);
        Span<double> full = _partials.AsSpan(chunk * _stride, _stride);
        int entryLow = _entries[part], entryHigh = _entries[part + 1];
        Span<double> slot = full.Slice(entryLow, entryHigh - entryLow);
        slot.Clear();
        bool norms = part == 0;
        int start = chunk * Blocking.ChunkLength, end = Math.Min(d, start + Blocking.ChunkLength);
        int lanesLength = (_stride + 1) * 8;
        var lanes = t_lanes is { } kept && kept.Length >= lanesLength ? kept : (t_lanes = new float[lanesLength]);
        ref float rl = ref MemoryMarshal.GetArrayDataReference(lanes);
        ref double rs = ref MemoryMarshal.GetReference(full);
        int firstBand = _rows[part] / 2, endBand = _rows[part + 1] / 2;
        for (int s = start; s < end; s += Blocking.SubBlock)
        {
            int len = Math.Min(Blocking.SubBlock, end - s);
            if ((len & (LaneKernels.Group - 1)) == 0)
            {
                // No tail: every entry's lanes are formed first (the same accumulators as below), then
                // summed eight entries at a time (LaneKernels.AddLaneSums): the same bits, without a
                // horizontal sum per pair.
                ref float rb = ref Unsafe.Add(ref r0, s);
                // The next sub-block's rows are asked for while this one's pairs are formed, two rows before each
                // quad and each tile (the kernels read every row of this sub-block first, and n streams of 512 bytes
                // each outrun the hardware prefetcher; one row per tile left half of them to the end at n = 20, and
                // was slower: docs/PERFORMANCE.md, session 24). Only up to PrefetchRows rows; speed only, no bit.
                int ahead = n <= PrefetchRows && s + 2 * Blocking.SubBlock <= end && Sse.IsSupported ? n : 0, asked = 0;
                // Each quad's six pairs among themselves, and in part 0 its rows' norms too (part 0 owns every norm
                // entry: its own quads' rows here, the other rows' below).
                ref int rq = ref MemoryMarshal.GetArrayDataReference(_quads);
                ref int rql = ref MemoryMarshal.GetArrayDataReference(_quadLanes);
                int qStart = _quadStarts[part], qEnd = _quadStarts[part + 1];
                for (int q = qStart; q < qEnd; q++)
                {
                    AskTwoRows(ref rb, d, ref asked, ahead);
                    int i0 = Unsafe.Add(ref rq, q);
                    ref int ql = ref Unsafe.Add(ref rql, 3 * q);
                    ref float quadRows = ref Unsafe.Add(ref rb, (nint)i0 * d);
                    ref float pairs0 = ref Unsafe.Add(ref rl, ql), pairs1 = ref Unsafe.Add(ref rl, Unsafe.Add(ref ql, 1));
                    ref float pairs2 = ref Unsafe.Add(ref rl, Unsafe.Add(ref ql, 2));
                    // Two calls with a constant norms, so that each inlined kernel has no test per iteration.
                    if (norms) LaneKernels.LanesQuad(ref quadRows, d, len, ref pairs0, ref pairs1, ref pairs2, true, ref Unsafe.Add(ref rl, 8 * i0));
                    else LaneKernels.LanesQuad(ref quadRows, d, len, ref pairs0, ref pairs1, ref pairs2, false, ref rl);
                }
                if (norms)
                {
                    // Part 0's quads are rows 0 … 4·(qEnd − qStart) − 1.
                    int i = 4 * (qEnd - qStart);
                    for (; i + 4 <= n; i += 4) LaneKernels.Lanes4(ref rb, true, ref Unsafe.Add(ref rb, (nint)i * d), d, len, ref Unsafe.Add(ref rl, 8 * i));
                    for (; i < n; i++) LaneKernels.Lanes1(ref rb, true, ref Unsafe.Add(ref rb, (nint)i * d), len, ref Unsafe.Add(ref rl, 8 * i));
                }
                // The tiles and leftover groups of this part, read without bounds checks: the schedule built them
                // for this n (rows < n, lane offsets inside the scratch); a per-call setup of index arithmetic and
                // checks cost about as much as a leftover group's 8 iterations (in session 18, with 2×4 tiles, the leftover
                // groups were a third of the pass at n = 20, which since session 24 has none).
                ref int rt = ref MemoryMarshal.GetArrayDataReference(_tiles);
                ref int rtl = ref MemoryMarshal.GetArrayDataReference(_tileLanes);
                for (int t = _tileStarts[part], tEnd = _tileStarts[part + 1]; t < tEnd; t += 2)
                {
                    AskTwoRows(ref rb, d, ref asked, ahead);
                    ref int at = ref Unsafe.Add(ref rtl, 2 * t);
                    LaneKernels.Lanes4x4(ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref rt, t) * d), ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref rt, t + 1) * d), d, len,
                        ref Unsafe.Add(ref rl, at), ref Unsafe.Add(ref rl, Unsafe.Add(ref at, 1)),
                        ref Unsafe.Add(ref rl, Unsafe.Add(ref at, 2)), ref Unsafe.Add(ref rl, Unsafe.Add(ref at, 3)));
                }
                ref int rlo = ref MemoryMarshal.GetArrayDataReference(_leftovers);
                ref int rle = ref MemoryMarshal.GetArrayDataReference(_leftoverEntries);
                for (int t = _leftoverStarts[part], tEnd = _leftoverStarts[part + 1]; t < tEnd; t += 8)
                {
                    ref int g = ref Unsafe.Add(ref rlo, t);
                    ref int e = ref Unsafe.Add(ref rle, t >> 1);
                    LaneKernels.LanesPairs4(
                        ref Unsafe.Add(ref rb, (nint)g * d), ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref g, 1) * d),
                        ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref g, 2) * d), ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref g, 3) * d),
                        ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref g, 4) * d), ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref g, 5) * d),
                        ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref g, 6) * d), ref Unsafe.Add(ref rb, (nint)Unsafe.Add(ref g, 7) * d),
                        len, ref rl, e, Unsafe.Add(ref e, 1), Unsafe.Add(ref e, 2), Unsafe.Add(ref e, 3));
                }
                while (asked < ahead) PrefetchSubBlock(ref Unsafe.Add(ref rb, (nint)asked++ * d + Blocking.SubBlock));
                LaneKernels.AddLaneSums(ref Unsafe.Add(ref rl, 8 * entryLow), ref Unsafe.Add(ref rs, entryLow), entryHigh - entryLow);
                continue;
            }
            if (norms)
            {
                for (int i = 0; i < n; i++) full[i] += LaneKernels.SquaredNorm(data.Slice(i * d + s, len));
            }
            // Pair (i, j), i < j, sits at n + i·n − i(i+1)/2 + (j − i − 1). Rows i and i+1 go together
            // against four rows j … j+3 at a time (each pair's sum exactly as SquaredDistance).
            for (int band = firstBand; band < endBand; band++)
            {
                int i0 = 2 * band;
                int p0 = n + i0 * n - i0 * (i0 + 1) / 2 - i0 - 1;
                int p1 = n + (i0 + 1) * n - (i0 + 1) * (i0 + 2) / 2 - i0 - 2;
                var a0 = data.Slice(i0 * d + s, len);
                var a1 = data.Slice((i0 + 1) * d + s, len);
                full[p0 + i0 + 1] += LaneKernels.SquaredDistance(a0, a1);
                int j = i0 + 2;
                // Rows j … j+3 < n, values s … s+len−1 < d: every read lies inside the batch.
                for (; j + 4 <= n; j += 4)
                {
                    LaneKernels.SquaredDistance2x4(
                        ref MemoryMarshal.GetReference(a0), ref MemoryMarshal.GetReference(a1),
                        ref Unsafe.Add(ref r0, (nint)j * d + s), d, len, ref full[p0 + j], ref full[p1 + j]);
                }
                for (; j < n; j++)
                {
                    var b = data.Slice(j * d + s, len);
                    full[p0 + j] += LaneKernels.SquaredDistance(a0, b);
                    full[p1 + j] += LaneKernels.SquaredDistance(a1, b);
                }
            }
        }
    }

    /// <summary>
    /// Largest n whose next sub-block is prefetched during the current one (pairwise, point and combination distances).
    /// Until session 29 it was 24: the lines went to L1, where two sub-blocks of n rows (2 · n · 512 bytes) had to fit in
    /// half of a 48 KB L1, and at n = 100 prefetching evicted the rows still in use (slower on the AMD machine, 2026-11-30).
    /// Since session 29 they go to L2 (<see cref="PrefetchSubBlock"/>), which evicts nothing from L1 (two sub-blocks of 128
    /// rows are 128 KB of a 1 MB L2); on the AMD EPYC family-25 machine, in alternated BenchmarkDotNet rounds at n = 100,
    /// the geometric median was 19–26 % faster, Krum 14 % in one round of two, Multi-Krum, Bulyan and cc faster in one
    /// round of two (docs/PERFORMANCE.md, "Session 29"). Not measured above 100 rows. A prefetch is a hint: it never faults,
    /// and moving data (a collection) only makes it useless; no bit depends on it.
    /// </summary>
    internal const int PrefetchRows = 128;

    /// <summary>
    /// Asks for the <see cref="Blocking.SubBlock"/> values from <paramref name="at"/> (eight cache lines, <see cref="RowPrefetch"/>:
    /// in L2; in L1 until session 29, and L2 made Multi-Krum and centered clipping faster at 20×10⁶, docs/PERFORMANCE.md,
    /// "Session 29").
    /// </summary>
    internal static unsafe void PrefetchSubBlock(ref float at)
    {
        float* p = (float*)Unsafe.AsPointer(ref at);
        for (int c = 0; c < Blocking.SubBlock; c += 16) RowPrefetch.Line(p + c);
    }

    /// <summary>Asks for the next sub-block of the next two rows not yet asked for, while fewer than <paramref name="ahead"/> are (speed only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AskTwoRows(ref float rb, int d, ref int asked, int ahead)
    {
        if (asked < ahead) PrefetchSubBlock(ref Unsafe.Add(ref rb, (nint)asked++ * d + Blocking.SubBlock));
        if (asked < ahead) PrefetchSubBlock(ref Unsafe.Add(ref rb, (nint)asked++ * d + Blocking.SubBlock));
    }

    /// <summary>Rows per block of tile columns (<see cref="SortTiles"/>): 16 rows of a sub-block take 8 KB, a sixth of a 48 KB L1.</summary>
    internal const int TileColumnRows = 16;

    /// <summary>Orders the tiles (i, j) from <paramref name="start"/> (pairs of entries) by (j / <see cref="TileColumnRows"/>, i, j).</summary>
    private static void SortTiles(List<int> tiles, int start)
    {
        var pairs = new List<(int I, int J)>();
        for (int k = start; k < tiles.Count; k += 2) pairs.Add((tiles[k], tiles[k + 1]));
        pairs.Sort((x, y) => (x.J / TileColumnRows, x.I, x.J).CompareTo((y.J / TileColumnRows, y.I, y.J)));
        for (int k = 0; k < pairs.Count; k++)
        {
            tiles[start + 2 * k] = pairs[k].I;
            tiles[start + 2 * k + 1] = pairs[k].J;
        }
    }

    /// <summary>The lanes entry of leftover pair (i, j); the padding goes to the spare entry past the last pair.</summary>
    private static nint Entry(int n, int i, int j) => i < 0 ? n * (n - 1) / 2 + n : PairIndex(n, i, j);
}

/// <summary>
/// Squared Euclidean distances from every row of a batch to one point, blocked as in
/// <see cref="Blocking"/>. Non-finite results are reported as they are (NaN or +∞).
/// </summary>
internal sealed class PointDistances : IChunkJob
{
    [ThreadStatic]
    private static float[]? t_lanes;
    private double[] _partials = [];
    private GradientBatch? _input;
    private ReadOnlyMemory<float> _point;

    public double[] Squared { get; private set; } = [];

    /// <summary>Fills <see cref="Squared"/>[i] = ‖row i − point‖².</summary>
    public void Compute(GradientBatch input, ReadOnlyMemory<float> point)
    {
        int n = input.Count, chunks = Blocking.ChunkCount(input.Dimension);
        if (_partials.Length < chunks * n) _partials = new double[chunks * n];
        if (Squared.Length < n) Squared = new double[n];
        _input = input;
        _point = point;
        ChunkRunner.Run(this, chunks);
        _input = null;
        _point = default;
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int c = 0; c < chunks; c++) s += _partials[c * n + i];
            Squared[i] = s;
        }
    }

    public void RunChunk(int chunk)
    {
        var input = _input!;
        int n = input.Count, d = input.Dimension;
        ReadOnlySpan<float> data = input.Data, point = _point.Span;
        Span<double> slot = _partials.AsSpan(chunk * n, n);
        slot.Clear();
        int start = chunk * Blocking.ChunkLength, end = Math.Min(d, start + Blocking.ChunkLength);
        // Up to PrefetchRows rows: each group of rows asks for its next sub-block as PairwiseDistances does (speed only).
        bool prefetch = n <= PairwiseDistances.PrefetchRows && Sse.IsSupported;
        for (int s = start; s < end; s += Blocking.SubBlock)
        {
            AddSubBlock(data, point, n, d, s, Math.Min(Blocking.SubBlock, end - s), prefetch && s + 2 * Blocking.SubBlock <= end, slot);
        }
    }

    /// <summary>
    /// sums[i] += the squared distance of row i to <paramref name="point"/> over the sub-block [s, s + len), in the
    /// documented order (each row's sub-block sum, added into its sum); <paramref name="ahead"/> asks for every row's next
    /// sub-block first (speed only). Shared with <see cref="CombinationDistances"/>.
    /// </summary>
    internal static void AddSubBlock(ReadOnlySpan<float> data, ReadOnlySpan<float> point, int n, int d, int s, int len, bool ahead, Span<double> sums)
    {
        ref float r0 = ref MemoryMarshal.GetReference(data);
        ref float pp = ref Unsafe.Add(ref MemoryMarshal.GetReference(point), s);
        ref float rb = ref Unsafe.Add(ref r0, s);
        if ((len & (LaneKernels.Group - 1)) == 0)
        {
            // No tail: the rows' lanes first, then summed eight rows at a time (same bits).
            int lanesLength = n * 8;
            var lanes = t_lanes is { } kept && kept.Length >= lanesLength ? kept : (t_lanes = new float[lanesLength]);
            ref float rl = ref MemoryMarshal.GetArrayDataReference(lanes);
            int r = 0;
            if (ahead) PairwiseDistances.PrefetchSubBlock(ref Unsafe.Add(ref pp, Blocking.SubBlock));
            for (; r + 4 <= n; r += 4)
            {
                if (ahead)
                {
                    for (int k = r; k < r + 4; k++) PairwiseDistances.PrefetchSubBlock(ref Unsafe.Add(ref rb, (nint)k * d + Blocking.SubBlock));
                }
                LaneKernels.Lanes4(ref pp, false, ref Unsafe.Add(ref rb, (nint)r * d), d, len, ref Unsafe.Add(ref rl, 8 * r));
            }
            for (; r < n; r++)
            {
                if (ahead) PairwiseDistances.PrefetchSubBlock(ref Unsafe.Add(ref rb, (nint)r * d + Blocking.SubBlock));
                LaneKernels.Lanes1(ref pp, false, ref Unsafe.Add(ref rb, (nint)r * d), len, ref Unsafe.Add(ref rl, 8 * r));
            }
            LaneKernels.AddLaneSums(ref rl, ref MemoryMarshal.GetReference(sums), n);
            return;
        }
        var p = point.Slice(s, len);
        int i = 0;
        // Four rows at a time against the point: fl(p − v) = −fl(v − p) (rounding to nearest is
        // symmetric), so each square, and each sum, is exactly SquaredDistance(row, point)'s.
        for (; i + 4 <= n; i += 4) LaneKernels.SquaredDistance4(ref pp, ref Unsafe.Add(ref rb, (nint)i * d), d, len, ref sums[i]);
        for (; i < n; i++) sums[i] += LaneKernels.SquaredDistance(data.Slice(i * d + s, len), p);
    }
}

