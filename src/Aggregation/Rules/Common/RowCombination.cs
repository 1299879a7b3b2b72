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
internal sealed class RowCombination : IChunkJob
{
    private float[] _result = [];
    private double[] _weights = [];
    private GradientBatch? _input;
    private double _denominator;
    private bool _unit;

    /// <summary>Combines the rows of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public void Compute(GradientBatch input, ReadOnlySpan<double> weights, double denominator, Span<float> output)
    {
        int n = input.Count, d = input.Dimension;
        if (_weights.Length < n) _weights = new double[n];
        if (_result.Length < d) _result = new float[d];
        weights[..n].CopyTo(_weights);
        _denominator = denominator;
        _unit = true;
        foreach (double w in weights[..n]) _unit &= w == 0 || w == 1;
        _input = input;
        ChunkRunner.Run(this, Blocking.ChunkCount(d));
        _input = null;
        _result.AsSpan(0, d).CopyTo(output);
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
        Compute(input, _weights, count, output);
    }

    public void RunChunk(int chunk)
    {
        var input = _input!;
        int n = input.Count, d = input.Dimension;
        ReadOnlySpan<float> data = input.Data;
        ref float r0 = ref MemoryMarshal.GetReference(data);
        int start = chunk * Blocking.ChunkLength, end = Math.Min(d, start + Blocking.ChunkLength);
        int vectorEnd = start + ((end - start) & ~15);
        var denominator = Vector256.Create(_denominator);
        ref float rd = ref _result[0];
        // 16 coordinates at a time, accumulated over the rows in registers (rows in index order).
        for (int j = start; j < vectorEnd; j += 16)
        {
            Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int i = 0; i < n; i++)
            {
                double w = _weights[i];
                if (w == 0) continue;
                nuint at = (nuint)((long)i * d + j);
                var (l0, h0) = Vector256.Widen(Vector256.LoadUnsafe(ref r0, at));
                var (l1, h1) = Vector256.Widen(Vector256.LoadUnsafe(ref r0, at + 8));
                if (_unit)
                {
                    // 1·x = x exactly: the same sums without the products.
                    a0 += l0;
                    a1 += h0;
                    a2 += l1;
                    a3 += h1;
                }
                else
                {
                    var wv = Vector256.Create(w);
                    a0 += wv * l0;
                    a1 += wv * h0;
                    a2 += wv * l1;
                    a3 += wv * h1;
                }
            }
            Vector256.Narrow(a0 / denominator, a1 / denominator).StoreUnsafe(ref rd, (nuint)j);
            Vector256.Narrow(a2 / denominator, a3 / denominator).StoreUnsafe(ref rd, (nuint)(j + 8));
        }
        for (int j = vectorEnd; j < end; j++)
        {
            double acc = 0;
            for (int i = 0; i < n; i++)
            {
                double w = _weights[i];
                if (w != 0) acc += w * data[i * d + j];
            }
            _result[j] = (float)(acc / _denominator);
        }
    }
}
