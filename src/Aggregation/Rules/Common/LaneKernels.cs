using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// The squared-distance kernel behind every distance the rules compute, for one sub-block of at most
/// <see cref="Blocking.SubBlock"/> coordinates, with a fixed arithmetic order.
/// </summary>
/// <remarks>
/// Order: over the sub-block's full groups of 8 coordinates, (aₖ − bₖ)² is formed in float32 and added
/// in float32 into 8 lanes (lane k takes coordinates ≡ k mod 8, in index order); the 8 lanes are
/// widened and summed in float64, lane 0 to 7; the remaining (fewer than 8) coordinates are then added
/// in float64 in index order. Never fused multiply-add. <see cref="Vector256{T}"/> has the same
/// per-lane IEEE semantics with or without hardware acceleration, so the result is the same on every
/// machine; the 4-pair and 2×4-pair variants give each pair exactly the single-pair result (they only
/// share loads, and the 2×4 one issues half its subtractions as exact fused multiply-adds).
/// With at most 16 float32 additions per lane the relative rounding error stays about 10⁻⁶.
/// Why not <c>DetVec.SquaredDistance</c> (same determinism guarantees): it widens every product to
/// float64, which doubles the work of Krum's n(n−1)/2 distances; here the widening happens once per
/// lane and sub-block.
/// </remarks>
internal static class LaneKernels
{
    /// <summary>Σ (aₖ − bₖ)² over one sub-block, in the documented order.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int len = a.Length, blocks = len & ~7;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        var acc = Vector256<float>.Zero;
        for (int t = 0; t < blocks; t += 8)
        {
            var diff = Vector256.LoadUnsafe(ref ra, (nuint)t) - Vector256.LoadUnsafe(ref rb, (nuint)t);
            acc += diff * diff;
        }
        double s = Lanes(acc);
        for (int t = blocks; t < len; t++)
        {
            float diff = a[t] - b[t];
            s += diff * diff;
        }
        return s;
    }

    /// <summary>Σ aₖ² over one sub-block, in the documented order (the distance to 0).</summary>
    public static double SquaredNorm(ReadOnlySpan<float> a)
    {
        int len = a.Length, blocks = len & ~7;
        ref float ra = ref MemoryMarshal.GetReference(a);
        var acc = Vector256<float>.Zero;
        for (int t = 0; t < blocks; t += 8)
        {
            var x = Vector256.LoadUnsafe(ref ra, (nuint)t);
            acc += x * x;
        }
        double s = Lanes(acc);
        for (int t = blocks; t < len; t++) s += a[t] * a[t];
        return s;
    }

    /// <summary>
    /// sums[k] += the distance from the <paramref name="len"/> values at <paramref name="a"/> to the
    /// <paramref name="len"/> values at <paramref name="b"/> + k·<paramref name="stride"/>, for k = 0…3: each
    /// exactly as <see cref="SquaredDistance"/> (this only shares the loads of a and drops the span checks
    /// of a hot loop; callers guarantee the ranges lie inside the batch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SquaredDistance4(ref float a, ref float b, nint stride, int len, ref double sums)
    {
        int blocks = len & ~7;
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (int t = 0; t < blocks; t += 8)
        {
            var x = Vector256.LoadUnsafe(ref a, (nuint)t);
            var d0 = x - Vector256.LoadUnsafe(ref b0, (nuint)t);
            var d1 = x - Vector256.LoadUnsafe(ref b1, (nuint)t);
            var d2 = x - Vector256.LoadUnsafe(ref b2, (nuint)t);
            var d3 = x - Vector256.LoadUnsafe(ref b3, (nuint)t);
            acc0 += d0 * d0;
            acc1 += d1 * d1;
            acc2 += d2 * d2;
            acc3 += d3 * d3;
        }
        double s0 = Lanes(acc0), s1 = Lanes(acc1), s2 = Lanes(acc2), s3 = Lanes(acc3);
        for (int t = blocks; t < len; t++)
        {
            float x = Unsafe.Add(ref a, t);
            float e0 = x - Unsafe.Add(ref b0, t), e1 = x - Unsafe.Add(ref b1, t), e2 = x - Unsafe.Add(ref b2, t), e3 = x - Unsafe.Add(ref b3, t);
            s0 += e0 * e0;
            s1 += e1 * e1;
            s2 += e2 * e2;
            s3 += e3 * e3;
        }
        Unsafe.Add(ref sums, 0) += s0;
        Unsafe.Add(ref sums, 1) += s1;
        Unsafe.Add(ref sums, 2) += s2;
        Unsafe.Add(ref sums, 3) += s3;
    }

    /// <summary>
    /// The distances of two rows against four: sums0[k] += distance(a0, b + k·stride) and sums1[k] +=
    /// distance(a1, b + k·stride), k = 0…3, each exactly as <see cref="SquaredDistance"/> (same lanes,
    /// same order, same roundings). A 2×4 register tile: 6 loads for 8 pairs instead of 10.
    /// </summary>
    /// <remarks>
    /// Half of the subtractions are issued as fused multiply-adds fl(b·(−1) + a): b·(−1) is exact, so the
    /// one rounding gives fl(a − b) bit for bit (IEEE 754 fma; the software fallback of
    /// <see cref="Vector256.FusedMultiplyAdd(Vector256{float}, Vector256{float}, Vector256{float})"/> is
    /// exact too). This moves work from the float adders to the multiply-add units, which otherwise idle
    /// between the multiplications: on x86 cores with separate add and multiply-add pipes, the
    /// subtract-square-add of the direct form is limited by its two additions per pair and coordinate.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SquaredDistance2x4(ref float a0, ref float a1, ref float b, nint stride, int len, ref double sums0, ref double sums1)
    {
        int blocks = len & ~7;
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        var minusOne = Vector256.Create(-1f);
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        for (int t = 0; t < blocks; t += 8)
        {
            var x0 = Vector256.LoadUnsafe(ref a0, (nuint)t);
            var x1 = Vector256.LoadUnsafe(ref a1, (nuint)t);
            var y = Vector256.LoadUnsafe(ref b0, (nuint)t);
            var d0 = x0 - y;
            var d1 = Vector256.FusedMultiplyAdd(y, minusOne, x1);
            c00 += d0 * d0;
            c10 += d1 * d1;
            y = Vector256.LoadUnsafe(ref b1, (nuint)t);
            d0 = x0 - y;
            d1 = Vector256.FusedMultiplyAdd(y, minusOne, x1);
            c01 += d0 * d0;
            c11 += d1 * d1;
            y = Vector256.LoadUnsafe(ref b2, (nuint)t);
            d0 = x0 - y;
            d1 = Vector256.FusedMultiplyAdd(y, minusOne, x1);
            c02 += d0 * d0;
            c12 += d1 * d1;
            y = Vector256.LoadUnsafe(ref b3, (nuint)t);
            d0 = x0 - y;
            d1 = Vector256.FusedMultiplyAdd(y, minusOne, x1);
            c03 += d0 * d0;
            c13 += d1 * d1;
        }
        double s00 = Lanes(c00), s01 = Lanes(c01), s02 = Lanes(c02), s03 = Lanes(c03);
        double s10 = Lanes(c10), s11 = Lanes(c11), s12 = Lanes(c12), s13 = Lanes(c13);
        for (int t = blocks; t < len; t++)
        {
            float x = Unsafe.Add(ref a0, t), z = Unsafe.Add(ref a1, t);
            float y0 = Unsafe.Add(ref b0, t), y1 = Unsafe.Add(ref b1, t), y2 = Unsafe.Add(ref b2, t), y3 = Unsafe.Add(ref b3, t);
            float e0 = x - y0, e1 = x - y1, e2 = x - y2, e3 = x - y3;
            float f0 = z - y0, f1 = z - y1, f2 = z - y2, f3 = z - y3;
            s00 += e0 * e0;
            s01 += e1 * e1;
            s02 += e2 * e2;
            s03 += e3 * e3;
            s10 += f0 * f0;
            s11 += f1 * f1;
            s12 += f2 * f2;
            s13 += f3 * f3;
        }
        Unsafe.Add(ref sums0, 0) += s00;
        Unsafe.Add(ref sums0, 1) += s01;
        Unsafe.Add(ref sums0, 2) += s02;
        Unsafe.Add(ref sums0, 3) += s03;
        Unsafe.Add(ref sums1, 0) += s10;
        Unsafe.Add(ref sums1, 1) += s11;
        Unsafe.Add(ref sums1, 2) += s12;
        Unsafe.Add(ref sums1, 3) += s13;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Lanes(Vector256<float> acc)
    {
        var (lo, hi) = Vector256.Widen(acc);
        double s = 0;
        for (int k = 0; k < 4; k++) s += lo.GetElement(k);
        for (int k = 0; k < 4; k++) s += hi.GetElement(k);
        return s;
    }
}
