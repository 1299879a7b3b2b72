using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Writes output_j = (float)((Σ_i wᵢ·v_ij) / D) for given weights wᵢ and denominator D: the common
/// last step of every rule that averages or weights whole rows (Multi-Krum, Weiszfeld, NNM, …).
/// </summary>
/// <remarks>
/// Per coordinate the products wᵢ·v_ij are formed and summed in float64, rows in index order; the sum
/// is divided by D in float64 and rounded once to float32, so n identical rows averaged give back the
/// row exactly. Rows of weight exactly 0 are skipped (a non-finite row with weight 0 does not reach the
/// result). Coordinates are independent, so chunking over coordinates cannot change any bit. With AVX-512
/// the same sums run in <see cref="MeanKernel"/> (float64 accumulators in registers while the rows stream
/// past, prefetched), as the mean's do: always for unit weights, for other weights up to
/// <see cref="MeanKernel.WeightedRowLimit"/> rows.
/// </remarks>
internal sealed unsafe class RowCombination : IChunkJob
{
    // Coordinates are independent here, so the chunk length is free: long runs of each row (32 KB) for
    // the memory system, and still a dozen chunks to balance n = 100, d = 10⁵ between threads.
    private const int ChunkLength = 8192;

    [ThreadStatic]
    private static double[]? t_accumulator;
    private double[] _weights = [];
    private double[] _activeWeights = [];
    private long[] _activeOffsets = [];
    private int _active;
    private GradientBatch? _input;
    private double _denominator;
    private bool _unit;
    private float* _output;
    private MeanKernel? _kernel;

    /// <summary>Combines the rows of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public void Compute(GradientBatch input, ReadOnlySpan<double> weights, double denominator, Span<float> output,
        ChunkOrder order = ChunkOrder.Ascending)
    {
        int n = input.Count, d = input.Dimension;
        if (output.Length < d) throw new ArgumentException("output shorter than d", nameof(output));
        if (_activeWeights.Length < n)
        {
            _activeWeights = new double[n];
            _activeOffsets = new long[n];
        }
        _denominator = denominator;
        _active = ListActive(weights[..n], d, _activeWeights, _activeOffsets, out _unit);
        if (_unit ? MeanKernel.IsSupported : MeanKernel.RunsWeighted(_active))
        {
            // AVX-512: the same sums with the accumulators in registers and the rows prefetched (MeanKernel).
            (_kernel ??= new MeanKernel()).Run(input, _activeOffsets.AsSpan(0, _active), _activeWeights.AsSpan(0, _active), _unit, denominator, output, order);
            return;
        }
        _input = input;
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

    /// <summary>Mean of the rows flagged in <paramref name="selected"/> (at least one).</summary>
    public void MeanOf(GradientBatch input, ReadOnlySpan<bool> selected, Span<float> output, ChunkOrder order = ChunkOrder.Ascending)
    {
        int n = input.Count, count = 0;
        if (_weights.Length < n) _weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            _weights[i] = selected[i] ? 1.0 : 0.0;
            if (selected[i]) count++;
        }
        Compute(input, _weights.AsSpan(0, n), count, output, order);
    }

    public void RunChunk(int chunk)
    {
        var input = _input!;
        int d = input.Dimension, m = _active;
        ReadOnlySpan<float> data = input.Data;
        ref float r0 = ref MemoryMarshal.GetReference(data);
        ReadOnlySpan<long> offsets = _activeOffsets.AsSpan(0, m);
        ReadOnlySpan<double> weights = _activeWeights.AsSpan(0, m);
        var result = new Span<float>(_output, d);
        ref float rd = ref MemoryMarshal.GetReference(result);
        int start = chunk * ChunkLength, end = Math.Min(d, start + ChunkLength);
        int len = (end - start) & ~7;
        bool unit = _unit;
        // Rows are read in long runs (the whole chunk of one row, four rows at a time) into a float64
        // accumulator per coordinate, rather than a few values of every row in turn: the same sums in
        // the same row order, at the speed of one sequential read (interleaving n short runs of n rows
        // was several times slower).
        var accumulator = (t_accumulator ??= new double[ChunkLength]).AsSpan(0, len);
        accumulator.Clear();
        AccumulateRows(ref r0, offsets, weights, start, accumulator, unit);
        Finish(accumulator, _denominator, data, offsets, weights, start, end, ref rd);
    }

    /// <summary>
    /// Lists the rows of nonzero weight (weight and offset i·d, in index order) and returns how many; <paramref name="unit"/>:
    /// all of them weigh exactly 1. Rows of weight exactly 0 are skipped: a non-finite row with weight 0 never reaches the result.
    /// </summary>
    internal static int ListActive(ReadOnlySpan<double> weights, int d, Span<double> activeWeights, Span<long> activeOffsets, out bool unit)
    {
        unit = true;
        int active = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double w = weights[i];
            if (w == 0) continue;
            unit &= w == 1;
            activeWeights[active] = w;
            activeOffsets[active++] = (long)i * d;
        }
        return active;
    }

    /// <summary>
    /// The last step over [start, end): output[start + t] = (float)(accumulator[t] / denominator) for the accumulated
    /// coordinates (accumulator.Length, a multiple of 8), then the remaining ones (fewer than 8, only at d's end) summed one
    /// at a time in the same order. <paramref name="output"/> is coordinate 0 of the result.
    /// </summary>
    internal static void Finish(ReadOnlySpan<double> accumulator, double denominatorValue, ReadOnlySpan<float> data, ReadOnlySpan<long> offsets,
        ReadOnlySpan<double> weights, int start, int end, ref float output)
    {
        int len = accumulator.Length, vectorEnd = start + len;
        ref double ra = ref MemoryMarshal.GetReference(accumulator);
        ref float rc = ref Unsafe.Add(ref output, start);
        var denominator = Vector256.Create(denominatorValue);
        for (int t = 0; t < len; t += 8)
        {
            Vector256.Narrow(Vector256.LoadUnsafe(ref ra, (nuint)t) / denominator, Vector256.LoadUnsafe(ref ra, (nuint)(t + 4)) / denominator)
                .StoreUnsafe(ref rc, (nuint)t);
        }
        for (int j = vectorEnd; j < end; j++)
        {
            double acc = 0;
            for (int i = 0; i < offsets.Length; i++) acc += weights[i] * data[(int)(offsets[i] + j)];
            Unsafe.Add(ref output, j) = (float)(acc / denominatorValue);
        }
    }

    /// <summary>
    /// accumulator[t] += Σₖ weights[k]·row_k[start + t] in float64, rows in index order (the products omitted when
    /// <paramref name="unit"/>: 1·x = x exactly), reading each row's run of the chunk in one sequential read, four rows
    /// at a time; accumulator.Length must be a multiple of 8. Centered clipping's update shares it.
    /// </summary>
    internal static void AccumulateRows(ref float r0, ReadOnlySpan<long> offsets, ReadOnlySpan<double> weights, int start, Span<double> accumulator, bool unit)
    {
        int m = offsets.Length, len = accumulator.Length;
        ref double ra = ref MemoryMarshal.GetReference(accumulator);
        int k = 0;
        for (; k + 4 <= m; k += 4)
        {
            ref float q0 = ref Unsafe.Add(ref r0, (nint)(offsets[k] + start));
            ref float q1 = ref Unsafe.Add(ref r0, (nint)(offsets[k + 1] + start));
            ref float q2 = ref Unsafe.Add(ref r0, (nint)(offsets[k + 2] + start));
            ref float q3 = ref Unsafe.Add(ref r0, (nint)(offsets[k + 3] + start));
            var w0 = Vector256.Create(weights[k]);
            var w1 = Vector256.Create(weights[k + 1]);
            var w2 = Vector256.Create(weights[k + 2]);
            var w3 = Vector256.Create(weights[k + 3]);
            for (int t = 0; t < len; t += 8)
            {
                var lo = Vector256.LoadUnsafe(ref ra, (nuint)t);
                var hi = Vector256.LoadUnsafe(ref ra, (nuint)(t + 4));
                var (x0, y0) = Vector256.Widen(Vector256.LoadUnsafe(ref q0, (nuint)t));
                var (x1, y1) = Vector256.Widen(Vector256.LoadUnsafe(ref q1, (nuint)t));
                var (x2, y2) = Vector256.Widen(Vector256.LoadUnsafe(ref q2, (nuint)t));
                var (x3, y3) = Vector256.Widen(Vector256.LoadUnsafe(ref q3, (nuint)t));
                if (unit)
                {
                    // 1·x = x exactly: the same sums without the products.
                    lo += x0;
                    hi += y0;
                    lo += x1;
                    hi += y1;
                    lo += x2;
                    hi += y2;
                    lo += x3;
                    hi += y3;
                }
                else
                {
                    lo += w0 * x0;
                    hi += w0 * y0;
                    lo += w1 * x1;
                    hi += w1 * y1;
                    lo += w2 * x2;
                    hi += w2 * y2;
                    lo += w3 * x3;
                    hi += w3 * y3;
                }
                lo.StoreUnsafe(ref ra, (nuint)t);
                hi.StoreUnsafe(ref ra, (nuint)(t + 4));
            }
        }
        for (; k < m; k++)
        {
            ref float q = ref Unsafe.Add(ref r0, (nint)(offsets[k] + start));
            var w = Vector256.Create(weights[k]);
            for (int t = 0; t < len; t += 8)
            {
                var (x, y) = Vector256.Widen(Vector256.LoadUnsafe(ref q, (nuint)t));
                if (!unit)
                {
                    x *= w;
                    y *= w;
                }
                (Vector256.LoadUnsafe(ref ra, (nuint)t) + x).StoreUnsafe(ref ra, (nuint)t);
                (Vector256.LoadUnsafe(ref ra, (nuint)(t + 4)) + y).StoreUnsafe(ref ra, (nuint)(t + 4));
            }
        }
    }
}
