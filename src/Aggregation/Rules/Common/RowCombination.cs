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
/// result). Coordinates are independent, so chunking over coordinates cannot change any bit.
/// </remarks>
internal sealed unsafe class RowCombination : IChunkJob
{
    // Coordinates are independent here, so the chunk length is free: small enough to balance n = 100,
    // d = 10⁵ between threads, large enough that a chunk's start-up cost does not show.
    private const int ChunkLength = 4096;
    private double[] _weights = [];
    private double[] _activeWeights = [];
    private long[] _activeOffsets = [];
    private int _active;
    private GradientBatch? _input;
    private double _denominator;
    private bool _unit;
    private float* _output;

    /// <summary>Combines the rows of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public void Compute(GradientBatch input, ReadOnlySpan<double> weights, double denominator, Span<float> output)
    {
        int n = input.Count, d = input.Dimension;
        if (output.Length < d) throw new ArgumentException("output shorter than d", nameof(output));
        if (_activeWeights.Length < n)
        {
            _activeWeights = new double[n];
            _activeOffsets = new long[n];
        }
        _denominator = denominator;
        _unit = true;
        _active = 0;
        for (int i = 0; i < n; i++)
        {
            double w = weights[i];
            if (w == 0) continue; // skipped: a non-finite row of weight 0 never reaches the result
            _unit &= w == 1;
            _activeWeights[_active] = w;
            _activeOffsets[_active++] = (long)i * d;
        }
        _input = input;
        fixed (float* destination = output)
        {
            _output = destination;
            try
            {
                ChunkRunner.Run(this, (d + ChunkLength - 1) / ChunkLength);
            }
            finally
            {
                _output = null;
                _input = null;
            }
        }
    }

    /// <summary>Mean of the rows flagged in <paramref name="selected"/> (at least one).</summary>
    public void MeanOf(GradientBatch input, ReadOnlySpan<bool> selected, Span<float> output)
    {
        int n = input.Count, count = 0;
        if (_weights.Length < n) _weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            _weights[i] = selected[i] ? 1.0 : 0.0;
            if (selected[i]) count++;
        }
        Compute(input, _weights.AsSpan(0, n), count, output);
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
        int wideEnd = start + ((end - start) & ~31), vectorEnd = start + ((end - start) & ~7);
        var denominator = Vector256.Create(_denominator);
        bool unit = _unit;
        int j = start;
        // 32 coordinates at a time, accumulated over the rows in registers (rows in index order).
        for (; j < wideEnd; j += 32)
        {
            Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<double> a4 = default, a5 = default, a6 = default, a7 = default;
            for (int k = 0; k < m; k++)
            {
                nuint at = (nuint)(offsets[k] + j);
                var (l0, h0) = Vector256.Widen(Vector256.LoadUnsafe(ref r0, at));
                var (l1, h1) = Vector256.Widen(Vector256.LoadUnsafe(ref r0, at + 8));
                var (l2, h2) = Vector256.Widen(Vector256.LoadUnsafe(ref r0, at + 16));
                var (l3, h3) = Vector256.Widen(Vector256.LoadUnsafe(ref r0, at + 24));
                if (!unit)
                {
                    var wv = Vector256.Create(weights[k]);
                    l0 *= wv;
                    h0 *= wv;
                    l1 *= wv;
                    h1 *= wv;
                    l2 *= wv;
                    h2 *= wv;
                    l3 *= wv;
                    h3 *= wv;
                }
                // 1·x = x exactly: the unit path gives the same sums without the products.
                a0 += l0;
                a1 += h0;
                a2 += l1;
                a3 += h1;
                a4 += l2;
                a5 += h2;
                a6 += l3;
                a7 += h3;
            }
            Vector256.Narrow(a0 / denominator, a1 / denominator).StoreUnsafe(ref rd, (nuint)j);
            Vector256.Narrow(a2 / denominator, a3 / denominator).StoreUnsafe(ref rd, (nuint)(j + 8));
            Vector256.Narrow(a4 / denominator, a5 / denominator).StoreUnsafe(ref rd, (nuint)(j + 16));
            Vector256.Narrow(a6 / denominator, a7 / denominator).StoreUnsafe(ref rd, (nuint)(j + 24));
        }
        for (; j < vectorEnd; j += 8)
        {
            Vector256<double> a0 = default, a1 = default;
            for (int k = 0; k < m; k++)
            {
                var (l0, h0) = Vector256.Widen(Vector256.LoadUnsafe(ref r0, (nuint)(offsets[k] + j)));
                if (!unit)
                {
                    var wv = Vector256.Create(weights[k]);
                    l0 *= wv;
                    h0 *= wv;
                }
                a0 += l0;
                a1 += h0;
            }
            Vector256.Narrow(a0 / denominator, a1 / denominator).StoreUnsafe(ref rd, (nuint)j);
        }
        for (; j < end; j++)
        {
            double acc = 0;
            for (int k = 0; k < m; k++) acc += weights[k] * data[(int)(offsets[k] + j)];
            result[j] = (float)(acc / _denominator);
        }
    }
}
