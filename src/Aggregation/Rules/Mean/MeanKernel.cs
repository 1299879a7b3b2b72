using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// The mean's sums on AVX-512: per coordinate (1/n)·Σᵢ v_ij with the sum in float64 from +0, rows in index
/// order, divided by n in float64 and rounded once — exactly <see cref="RowCombination"/>'s arithmetic
/// with unit weights, so the bytes are the same; only the schedule differs.
/// </summary>
/// <remarks>
/// 64 coordinates at a time keep eight float64 accumulators in registers while the n rows stream past
/// (four vector loads per row; above <see cref="GroupedAbove"/> rows, <see cref="GroupRows"/> rows at a time, the
/// sums kept between groups in a float64 array in L1), instead of adding each row's run into an accumulator array in memory;
/// every row is prefetched <see cref="PrefetchDistance"/> coordinates ahead, since n interleaved
/// streams defeat the hardware prefetcher, and a chunk's first <see cref="PrefetchDistance"/> coordinates
/// of every row are prefetched before its first block (no earlier block of the chunk asked for them).
/// The prefetches go to L2 (<see cref="RowPrefetch"/>, which says why).
/// The chunks start on 64-byte boundaries of row 0 (chunk 0 also takes the few coordinates before the
/// first boundary, one at a time), so that with d a multiple of 16 every 512-bit load lies in one cache line
/// (a load that straddles two lines costs two). Used only where <see cref="Vector512.IsHardwareAccelerated"/>
/// (elsewhere the rule calls <see cref="RowCombination"/>). Each coordinate's sum is formed whole by one
/// thread in the same order whatever its chunk, block or alignment, so neither threads nor addresses change a bit.
/// </remarks>
internal sealed unsafe class MeanKernel : IChunkJob
{
    private const int ChunkLength = 2048;
    private const int Block = 64;
    private const int PrefetchDistance = 256;

    /// <summary>
    /// Above this many rows the unit-weight sums of a chunk take the rows <see cref="GroupRows"/> at a time
    /// (<see cref="SumRangeGrouped"/>): fewer rows stream at once, each group's sums kept in float64 in a 16 KB array
    /// between groups. Speed only (the same additions in the same order). At n = 100 the mean was faster in three of four
    /// alternated BenchmarkDotNet rounds and lower against the unchanged median in all four (docs/PERFORMANCE.md,
    /// "Session 26"); at n = 20 a throwaway driver found the groups no faster, so smaller batches keep the one pass.
    /// </summary>
    internal const int GroupedAbove = 24;

    /// <summary>Rows per group of <see cref="SumRangeGrouped"/> (the fastest at n = 100 in the same driver, of groups of 2–100 rows).</summary>
    internal const int GroupRows = 10;
    private long[] _offsets = [];
    private double[] _weights = [];
    private bool _unit;
    private double _denominator;
    private float[]? _center;
    private double _factorSum;
    private int _rowCount;
    private int _lead;
    private GradientBatch? _input;
    private float* _output;
    private float* _copy;

    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Most rows for which the weighted sums (<see cref="RowCombination"/>, centered clipping) run here rather than in
    /// their own chunked loops (a row's whole run at a time into an accumulator in memory). The former limit, 32, came from
    /// a throwaway comparison on the Intel machine (2026-12-01) that showed no gain at n = 100; the committed alternated
    /// runs (`scripts/bench-ab`, docs/PERFORMANCE.md "Session 11" and "Session 12") showed geometric median and Bulyan
    /// faster at n = 20 with it and centered clipping no different. Raised to 128 in session 29, once the rows were
    /// prefetched into L2: on the AMD EPYC family-25 machine, in alternated BenchmarkDotNet rounds at n = 100, cc was
    /// 25–30 % faster and the geometric median 14–16 % (the second round's 14 % near the unchanged rules' drift; the
    /// distance passes' prefetch, changed in the same commit, did not run at n = 100 then; docs/PERFORMANCE.md,
    /// "Session 29"). Not measured above 100 rows.
    /// The unit-weight mean runs here at every n. Speed only: both loops make the same sums.
    /// </summary>
    public const int WeightedRowLimit = 128;

    /// <summary>Whether weighted sums over <paramref name="rows"/> rows run here (<see cref="WeightedRowLimit"/>).</summary>
    public static bool RunsWeighted(int rows) => IsSupported && rows <= WeightedRowLimit;

    /// <summary>Writes the mean of the rows of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public void Run(GradientBatch input, Span<float> output)
    {
        int n = input.Count, d = input.Dimension;
        if (_offsets.Length < n) _offsets = new long[n];
        for (int k = 0; k < n; k++) _offsets[k] = (long)k * d;
        _unit = true;
        _denominator = n;
        _center = null;
        Start(input, n, output, default, ChunkOrder.Ascending);
    }

    /// <summary>
    /// Writes (float)((Σₖ weights[k]·row at offsets[k]) / <paramref name="denominator"/>) per coordinate, the rows
    /// in the order given, into <paramref name="output"/>: <see cref="RowCombination"/>'s sums (the products
    /// omitted when <paramref name="unit"/>, as there: 1·x = x exactly). <paramref name="order"/>: the chunks' order (speed only).
    /// </summary>
    public void Run(GradientBatch input, ReadOnlySpan<long> offsets, ReadOnlySpan<double> weights, bool unit, double denominator, Span<float> output,
        ChunkOrder order = ChunkOrder.Ascending)
        => Run(input, offsets, weights, unit, denominator, output, center: null, factorSum: 0, copy: default, order);

    /// <summary>
    /// Centered clipping's update: writes (float)(v + (Σₖ weights[k]·row_k − factorSum·v) / count) per coordinate,
    /// v = <paramref name="center"/> widened, Σ in float64 in the order given, count = <paramref name="count"/>:
    /// the arithmetic of <see cref="CenteredClippingRule"/>'s chunked update, with the sums in registers. When
    /// <paramref name="copy"/> is not empty the same values are also stored there as they are formed (the rule's last
    /// iteration writes its state and the caller's output in one pass instead of copying one into the other).
    /// <paramref name="order"/>: the chunks' order (speed only).
    /// </summary>
    public void RunCentered(GradientBatch input, ReadOnlySpan<long> offsets, ReadOnlySpan<double> weights, double factorSum, int count,
        float[] center, Span<float> output, Span<float> copy = default, ChunkOrder order = ChunkOrder.Ascending)
    {
        ArgumentNullException.ThrowIfNull(center);
        if (center.Length < input.Dimension) throw new ArgumentException("center shorter than d", nameof(center));
        if (!copy.IsEmpty && copy.Length < input.Dimension) throw new ArgumentException("copy shorter than d", nameof(copy));
        Run(input, offsets, weights, unit: false, count, output, center, factorSum, copy, order);
    }

    private void Run(GradientBatch input, ReadOnlySpan<long> offsets, ReadOnlySpan<double> weights, bool unit, double denominator,
        Span<float> output, float[]? center, double factorSum, Span<float> copy, ChunkOrder order)
    {
        int n = offsets.Length;
        if (weights.Length != n) throw new ArgumentException("one weight per row", nameof(weights));
        if (_offsets.Length < n)
        {
            _offsets = new long[n];
            _weights = new double[n];
        }
        if (_weights.Length < n) _weights = new double[_offsets.Length];
        offsets.CopyTo(_offsets);
        weights.CopyTo(_weights);
        _unit = unit;
        _denominator = denominator;
        _center = center;
        _factorSum = factorSum;
        try
        {
            Start(input, n, output, copy, order);
        }
        finally
        {
            _center = null;
        }
    }

    /// <summary>Runs the chunks over <paramref name="output"/> (and <paramref name="copy"/>, when not empty: the same values stored twice).</summary>
    private void Start(GradientBatch input, int n, Span<float> output, Span<float> copy, ChunkOrder order)
    {
        int d = input.Dimension;
        if (output.Length < d) throw new ArgumentException("output shorter than d", nameof(output));
        _rowCount = n;
        _input = input;
        fixed (float* rows = input.Data)
        fixed (float* destination = output)
        fixed (float* second = copy)
        {
            _output = destination;
            _copy = second;
            // Coordinates before row 0's first 64-byte boundary (0–15); only the speed depends on it.
            int lead = (int)((64 - ((nuint)rows & 63)) & 63) / sizeof(float);
            _lead = lead < d ? lead : 0;
            try
            {
                ChunkRunner.Run(this, ChunkCount(d, _lead), order);
            }
            finally
            {
                _output = null;
                _copy = null;
                _input = null;
            }
        }
    }

    /// <summary>Chunks of <see cref="ChunkLength"/> from coordinate <paramref name="lead"/> on (chunk 0 also takes the lead).</summary>
    internal static int ChunkCount(int d, int lead) => Math.Max(1, (d - lead + ChunkLength - 1) / ChunkLength);

    public void RunChunk(int chunk)
    {
        var input = _input!;
        int n = _rowCount, d = input.Dimension, lead = _lead;
        int start = chunk == 0 ? 0 : lead + chunk * ChunkLength, end = Math.Min(d, lead + (chunk + 1) * ChunkLength);
        fixed (float* rows = input.Data)
        fixed (long* offsets = _offsets)
        fixed (double* weights = _weights)
        fixed (float* center = _center)
        {
            int j = start;
            if (chunk == 0)
            {
                for (; j < lead; j++)
                {
                    _output[j] = Scalar(rows, offsets, weights, _unit, n, j, _denominator, center, _factorSum);
                    if (_copy != null) _copy[j] = _output[j];
                }
            }
            if (_unit && center == null && _copy == null && n > GroupedAbove) SumRangeGrouped(rows, offsets, n, j, end, _denominator, _output);
            else SumRange(rows, offsets, weights, _unit, n, j, end, _denominator, _output, center, _factorSum, _copy);
        }
    }

    /// <summary>
    /// The unit-weight sums of coordinates [<paramref name="start"/>, <paramref name="end"/>) (at most
    /// <see cref="ChunkLength"/>) divided by <paramref name="denominatorValue"/>, the rows taken <see cref="GroupRows"/> at
    /// a time: each coordinate's float64 sum runs from +0 through the rows in index order as in <see cref="SumRange"/>,
    /// kept in <c>acc</c> (exact: a double stored and loaded) from one group to the next; the last group divides,
    /// rounds and stores. The same bits as <see cref="SumRange"/>.
    /// </summary>
    internal static void SumRangeGrouped(float* rows, long* offsets, int n, int start, int end, double denominatorValue, float* output)
    {
        if (end - start > ChunkLength) throw new ArgumentOutOfRangeException(nameof(end), "a range longer than a chunk");
        var denominator = Vector512.Create(denominatorValue);
        double* buffer = stackalloc double[ChunkLength + 8];
        double* acc = (double*)(((nuint)buffer + 63) & ~(nuint)63);
        int whole = start + (end - start) / 16 * 16;
        for (int k0 = 0; k0 < n; k0 += GroupRows)
        {
            int k1 = Math.Min(n, k0 + GroupRows);
            bool first = k0 == 0, last = k1 == n;
            PrefetchStarts(rows, offsets + k0, k1 - k0, start, end);
            int j = start;
            for (; j + Block <= end; j += Block)
            {
                Sum64(rows, offsets + k0, null, k1 - k0, j, j + PrefetchDistance < end, denominator, output + j, null, default,
                    kept: acc + (j - start), first: first, last: last);
            }
            for (; j < whole; j += 16)
            {
                double* a = acc + (j - start);
                Vector512<double> lo = first ? default : Vector512.Load(a), hi = first ? default : Vector512.Load(a + 8);
                for (int k = k0; k < k1; k++)
                {
                    var (x, y) = Vector512.Widen(Vector512.Load(rows + offsets[k] + j));
                    lo += x;
                    hi += y;
                }
                if (last)
                {
                    Vector512.Narrow(lo / denominator, hi / denominator).Store(output + j);
                }
                else
                {
                    lo.Store(a);
                    hi.Store(a + 8);
                }
            }
        }
        for (int j = whole; j < end; j++) output[j] = Scalar(rows, offsets, null, true, n, j, denominatorValue, null, 0);
    }

    /// <summary>
    /// The sums of coordinates [<paramref name="start"/>, <paramref name="end"/>) on the calling thread, written to
    /// <paramref name="output"/>[j] (and, with <paramref name="center"/>, centered clipping's update): every coordinate
    /// exactly as <see cref="RowCombination"/> (or the chunked update) forms it. Also the iterate of the geometric
    /// median's one-pass Weiszfeld step (<see cref="CombinationDistances"/>), one piece at a time. With a center,
    /// <paramref name="copy"/> (when not null) receives the same values as <paramref name="output"/>.
    /// </summary>
    internal static void SumRange(float* rows, long* offsets, double* weights, bool unit, int n, int start, int end, double denominatorValue,
        float* output, float* center = null, double factorSumValue = 0, float* copy = null)
    {
        var denominator = Vector512.Create(denominatorValue);
        var factorSum = Vector512.Create(factorSumValue);
        int j = start;
        PrefetchStarts(rows, offsets, n, j, end);
        // Four call sites with constant null arguments, so that the inlined Sum64 of each has no test per block.
        if (center != null && copy != null)
        {
            for (; j + Block <= end; j += Block) Sum64(rows, offsets, weights, n, j, j + PrefetchDistance < end, denominator, output + j, center + j, factorSum, copy + j);
        }
        else if (center != null)
        {
            for (; j + Block <= end; j += Block) Sum64(rows, offsets, weights, n, j, j + PrefetchDistance < end, denominator, output + j, center + j, factorSum);
        }
        else if (unit)
        {
            for (; j + Block <= end; j += Block) Sum64(rows, offsets, null, n, j, j + PrefetchDistance < end, denominator, output + j, null, factorSum);
        }
        else
        {
            for (; j + Block <= end; j += Block) Sum64(rows, offsets, weights, n, j, j + PrefetchDistance < end, denominator, output + j, null, factorSum);
        }
        for (; j + 16 <= end; j += 16)
        {
            Vector512<double> lo = default, hi = default;
            for (int k = 0; k < n; k++)
            {
                var (x, y) = Vector512.Widen(Vector512.Load(rows + offsets[k] + j));
                if (!unit)
                {
                    var w = Vector512.Create(weights[k]);
                    x *= w;
                    y *= w;
                }
                lo += x;
                hi += y;
            }
            if (center != null)
            {
                var (vl, vh) = Vector512.Widen(Vector512.Load(center + j));
                var updated = Vector512.Narrow(vl + (lo - factorSum * vl) / denominator, vh + (hi - factorSum * vh) / denominator);
                updated.Store(output + j);
                if (copy != null) updated.Store(copy + j);
            }
            else
            {
                Vector512.Narrow(lo / denominator, hi / denominator).Store(output + j);
            }
        }
        for (; j < end; j++)
        {
            output[j] = Scalar(rows, offsets, weights, unit, n, j, denominatorValue, center, factorSumValue);
            if (copy != null) copy[j] = output[j];
        }
    }

    /// <summary>Asks for the first <see cref="PrefetchDistance"/> coordinates from <paramref name="start"/> (not past
    /// <paramref name="end"/>) of each of the <paramref name="n"/> rows at <paramref name="offsets"/>: no earlier block asked for them.</summary>
    private static void PrefetchStarts(float* rows, long* offsets, int n, int start, int end)
    {
        if (!Sse.IsSupported) return;
        int ahead = Math.Min(PrefetchDistance, end - start);
        for (int k = 0; k < n; k++)
        {
            float* p = rows + offsets[k] + start;
            for (int c = 0; c < ahead; c += 16) RowPrefetch.Line(p + c);
        }
    }

    private static float Scalar(float* rows, long* offsets, double* weights, bool unit, int n, int j, double denominator, float* center, double factorSum)
    {
        double acc = 0;
        for (int k = 0; k < n; k++) acc += unit ? rows[offsets[k] + j] : weights[k] * rows[offsets[k] + j];
        if (center != null) return (float)(center[j] + (acc - factorSum * center[j]) / denominator);
        return (float)(acc / denominator);
    }

    /// <summary>
    /// 64 coordinates from <paramref name="j"/>: Σₖ (weights[k]·)row_k in float64, rows in order, / denominator;
    /// <paramref name="weights"/> null: unit weights. With <paramref name="kept"/> (a group of <see cref="SumRangeGrouped"/>)
    /// the sums start from the 64 values there unless <paramref name="first"/>, and are stored back there unless
    /// <paramref name="last"/>; the other call sites pass null, which the inlined copies fold away.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sum64(float* rows, long* offsets, double* weights, int n, int j, bool prefetch, Vector512<double> denominator, float* output,
        float* center, Vector512<double> factorSum, float* copy = null, double* kept = null, bool first = true, bool last = true)
    {
        Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        if (kept != null && !first)
        {
            a0 = Vector512.Load(kept);
            a1 = Vector512.Load(kept + 8);
            a2 = Vector512.Load(kept + 16);
            a3 = Vector512.Load(kept + 24);
            a4 = Vector512.Load(kept + 32);
            a5 = Vector512.Load(kept + 40);
            a6 = Vector512.Load(kept + 48);
            a7 = Vector512.Load(kept + 56);
        }
        prefetch &= Sse.IsSupported;
        for (int k = 0; k < n; k++)
        {
            float* p = rows + offsets[k] + j;
            if (prefetch)
            {
                RowPrefetch.Line(p + PrefetchDistance);
                RowPrefetch.Line(p + PrefetchDistance + 16);
                RowPrefetch.Line(p + PrefetchDistance + 32);
                RowPrefetch.Line(p + PrefetchDistance + 48);
            }
            var (x0, y0) = Vector512.Widen(Vector512.Load(p));
            var (x1, y1) = Vector512.Widen(Vector512.Load(p + 16));
            var (x2, y2) = Vector512.Widen(Vector512.Load(p + 32));
            var (x3, y3) = Vector512.Widen(Vector512.Load(p + 48));
            if (weights != null)
            {
                // The product in float64, then the sum (never fused): RowCombination's arithmetic.
                var w = Vector512.Create(weights[k]);
                x0 *= w;
                y0 *= w;
                x1 *= w;
                y1 *= w;
                x2 *= w;
                y2 *= w;
                x3 *= w;
                y3 *= w;
            }
            a0 += x0;
            a1 += y0;
            a2 += x1;
            a3 += y1;
            a4 += x2;
            a5 += y2;
            a6 += x3;
            a7 += y3;
        }
        if (kept != null && !last)
        {
            a0.Store(kept);
            a1.Store(kept + 8);
            a2.Store(kept + 16);
            a3.Store(kept + 24);
            a4.Store(kept + 32);
            a5.Store(kept + 40);
            a6.Store(kept + 48);
            a7.Store(kept + 56);
            return;
        }
        if (center != null)
        {
            Centered(a0, a1, center, denominator, factorSum, output, copy);
            Centered(a2, a3, center + 16, denominator, factorSum, output + 16, copy == null ? null : copy + 16);
            Centered(a4, a5, center + 32, denominator, factorSum, output + 32, copy == null ? null : copy + 32);
            Centered(a6, a7, center + 48, denominator, factorSum, output + 48, copy == null ? null : copy + 48);
            return;
        }
        Vector512.Narrow(a0 / denominator, a1 / denominator).Store(output);
        Vector512.Narrow(a2 / denominator, a3 / denominator).Store(output + 16);
        Vector512.Narrow(a4 / denominator, a5 / denominator).Store(output + 32);
        Vector512.Narrow(a6 / denominator, a7 / denominator).Store(output + 48);
    }

    /// <summary>v + (Σ − (Σc)·v) / count for 16 coordinates, v widened from <paramref name="center"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Centered(Vector512<double> lo, Vector512<double> hi, float* center, Vector512<double> count, Vector512<double> factorSum, float* output,
        float* copy)
    {
        var (vl, vh) = Vector512.Widen(Vector512.Load(center));
        var updated = Vector512.Narrow(vl + (lo - factorSum * vl) / count, vh + (hi - factorSum * vh) / count);
        updated.Store(output);
        if (copy != null) updated.Store(copy);
    }
}
