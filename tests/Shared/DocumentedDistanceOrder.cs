namespace SimByz.Tests.Shared;

/// <summary>
/// The distances' documented order (LaneKernels, "fma16") in plain scalar code, the reference the unit tests and the
/// properties hold every distance kernel to, bit for bit. Compiled into both test projects (linked source, not a package:
/// the order is internal to SimByz).
/// </summary>
internal static class DocumentedDistanceOrder
{
    /// <summary>
    /// One sub-block: 16 float32 lanes, lane k taking coordinates ≡ k mod 16, each square added with one rounding (fma);
    /// lanes k and k+8 folded in float32; the 8 folded lanes summed in float64, lane 0 first; the tail (fewer than 16
    /// coordinates) in float64 in index order, each as the float32 product.
    /// </summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var lanes = new float[16];
        int blocks = a.Length & ~15;
        for (int t = 0; t < blocks; t++)
        {
            float diff = a[t] - b[t];
            lanes[t % 16] = MathF.FusedMultiplyAdd(diff, diff, lanes[t % 16]);
        }
        double s = 0;
        for (int k = 0; k < 8; k++) s += lanes[k] + lanes[k + 8];
        for (int t = blocks; t < a.Length; t++)
        {
            float diff = a[t] - b[t];
            s += diff * diff;
        }
        return s;
    }

    /// <summary>Σ over sub-blocks of <paramref name="subBlock"/> values (left to right, from +0) of <see cref="SquaredDistance"/>: the documented sum for one chunk.</summary>
    public static double Blocked(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int subBlock)
    {
        double s = 0;
        for (int start = 0; start < a.Length; start += subBlock)
        {
            int len = Math.Min(subBlock, a.Length - start);
            s += SquaredDistance(a.Slice(start, len), b.Slice(start, len));
        }
        return s;
    }
}
