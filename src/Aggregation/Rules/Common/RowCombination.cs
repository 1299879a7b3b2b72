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

    /// <summary>Combines the rows of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public void Compute(GradientBatch input, ReadOnlySpan<double> weights, double denominator, Span<float> output)
    {
        int n = input.Count, d = input.Dimension;
        if (_weights.Length < n) _weights = new double[n];
        if (_result.Length < d) _result = new float[d];
        weights[..n].CopyTo(_weights);
        _denominator = denominator;
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
        int start = chunk * Blocking.ChunkLength, end = Math.Min(d, start + Blocking.ChunkLength);
        Span<double> acc = stackalloc double[Blocking.SubBlock];
        var denominator = Vector256.Create(_denominator);
        for (int s = start; s < end; s += Blocking.SubBlock)
        {
            int len = Math.Min(Blocking.SubBlock, end - s), blocks = len & ~7;
            acc.Clear();
            ref double ra = ref MemoryMarshal.GetReference(acc);
            for (int i = 0; i < n; i++)
            {
                double w = _weights[i];
                if (w == 0) continue;
                var row = data.Slice(i * d + s, len);
                ref float rr = ref MemoryMarshal.GetReference(row);
                var wv = Vector256.Create(w);
                for (int k = 0; k < blocks; k += 8)
                {
                    var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref rr, (nuint)k));
                    (Vector256.LoadUnsafe(ref ra, (nuint)k) + wv * lo).StoreUnsafe(ref ra, (nuint)k);
                    (Vector256.LoadUnsafe(ref ra, (nuint)(k + 4)) + wv * hi).StoreUnsafe(ref ra, (nuint)(k + 4));
                }
                for (int k = blocks; k < len; k++) acc[k] += w * row[k];
            }
            Span<float> dst = _result.AsSpan(s, len);
            ref float rd = ref MemoryMarshal.GetReference(dst);
            for (int k = 0; k < blocks; k += 8)
            {
                var lo = Vector256.LoadUnsafe(ref ra, (nuint)k) / denominator;
                var hi = Vector256.LoadUnsafe(ref ra, (nuint)(k + 4)) / denominator;
                Vector256.Narrow(lo, hi).StoreUnsafe(ref rd, (nuint)k);
            }
            for (int k = blocks; k < len; k++) dst[k] = (float)(acc[k] / _denominator);
        }
    }
}
