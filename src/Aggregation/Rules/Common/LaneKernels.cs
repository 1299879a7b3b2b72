using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// The squared-distance kernel behind every distance the rules compute, for one sub-block of at most
/// <see cref="Blocking.SubBlock"/> coordinates, with a fixed arithmetic order.
/// </summary>
/// <remarks>
/// <para>Order ("fma16", since session 14; before it "plain8", below): over the sub-block's full groups of
/// 16 coordinates, the difference dₖ = aₖ − bₖ is rounded to float32 and its square added into 16 float32
/// lanes with one rounding, lane ← fma(dₖ, dₖ, lane) (lane k takes coordinates ≡ k mod 16, in index
/// order); the 16 lanes are folded in float32, lane k + lane k+8 for k = 0…7; the 8 folded lanes are
/// widened and summed in float64, lane 0 to 7; the remaining (fewer than 16) coordinates are then added in
/// float64 in index order, each as the float32 product fl(dₖ·dₖ). A norm is the distance to 0.</para>
/// <para>The same bits on every machine: with AVX-512 one 512-bit vector holds the 16 lanes; otherwise two
/// <see cref="Vector256{T}"/> halves hold lanes 0…7 and 8…15 (the hardware's or the software fallback's
/// IEEE fma, which is exact in both: one rounding of the exact dₖ² + lane), and the fold is the same
/// addition. The multi-pair variants give each pair exactly the single-pair result (they only share
/// loads); the lane-storing forms (<see cref="Lanes2x4"/>, <see cref="Lanes4x4"/>, <see cref="LanesQuad"/>, <see cref="LanesPairs4"/>, <see cref="Lanes4"/>,
/// <see cref="Lanes1"/>) leave the 8 folded float32 lanes in a scratch, and <see cref="AddLaneSums"/>
/// widens and sums them eight entries at a time, in the same order, for sub-blocks without a tail.</para>
/// <para>Why this order: a subtraction and one fused multiply-add per pair and coordinate is two thirds of
/// the operations of the former subtract-square-add, and with AVX-512 (16 lanes per instruction against 8)
/// a third of its vector instructions, for Krum's n(n−1)/2 distances. With at most 8 fused additions per
/// lane and one fold the relative rounding error stays about 10⁻⁶ (one rounding per square-and-add instead
/// of two, and one more for the fold: 17 float32 roundings per folded lane of 16 coordinates, where a
/// "plain8" lane of 16 coordinates had 32, besides the differences). The former order "plain8" (8 lanes, the
/// square rounded, then added; never fused) gave other low bits: results recorded before session 14 with a
/// distance-based rule replay with other bytes (DESIGN.md: same bytes for the same SimByz version).</para>
/// <para>Why not <c>DetVec.SquaredDistance</c> (same determinism guarantees): it widens every product to
/// float64, which doubles the work of Krum's n(n−1)/2 distances; here the widening happens once per
/// folded lane and sub-block.</para>
/// </remarks>
internal static class LaneKernels
{
    /// <summary>Coordinates per lane group: the sub-block lengths the lane-storing forms accept are multiples of it.</summary>
    public const int Group = 16;

    /// <summary>Σ (aₖ − bₖ)² over one sub-block, in the documented order.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int len = a.Length, blocks = len & ~(Group - 1);
        if (b.Length != len) throw new ArgumentException("lengths differ", nameof(b));
        double s = Lanes(PairLanes(ref MemoryMarshal.GetReference(a), false, ref MemoryMarshal.GetReference(b), blocks));
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
        int len = a.Length, blocks = len & ~(Group - 1);
        double s = Lanes(PairLanes(ref MemoryMarshal.GetReference(a), true, ref MemoryMarshal.GetReference(a), blocks));
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
        int blocks = len & ~(Group - 1);
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        var c = Four(ref a, false, ref b, stride, blocks);
        double s0 = Lanes(c.C0), s1 = Lanes(c.C1), s2 = Lanes(c.C2), s3 = Lanes(c.C3);
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
    /// same order, same roundings). A 2×4 register tile: 6 loads for 8 pairs instead of 16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SquaredDistance2x4(ref float a0, ref float a1, ref float b, nint stride, int len, ref double sums0, ref double sums1)
    {
        int blocks = len & ~(Group - 1);
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        var c = Tile2x4(ref a0, ref a1, ref b, stride, blocks);
        double s00 = Lanes(c.C00), s01 = Lanes(c.C01), s02 = Lanes(c.C02), s03 = Lanes(c.C03);
        double s10 = Lanes(c.C10), s11 = Lanes(c.C11), s12 = Lanes(c.C12), s13 = Lanes(c.C13);
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

    // ---- Lane-storing forms: the same folded float32 lanes, left in a scratch for AddLaneSums. ----
    // A sub-block whose length is a multiple of 16 has no tail, so its contribution to a sum is exactly
    // "sums[k] += (((0 + lane0) + lane1) + … + lane7)" in float64 over the 8 folded lanes: the widening and
    // the sequential sum of the lanes of eight entries at a time is done by AddLaneSums after a transpose,
    // lane k of eight entries in one vector, which is the same additions in the same order for every entry.

    /// <summary>
    /// The 8 folded float32 lanes of distance(a0, b + k·stride) and distance(a1, b + k·stride), k = 0…3,
    /// over <paramref name="blocks"/> (a multiple of 16) values, stored at lanes0 + 8k and lanes1 + 8k: the
    /// lanes of <see cref="SquaredDistance2x4"/>, not yet summed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes2x4(ref float a0, ref float a1, ref float b, nint stride, int blocks, ref float lanes0, ref float lanes1)
    {
        Debug.Assert((blocks & (Group - 1)) == 0);
        var c = Tile2x4(ref a0, ref a1, ref b, stride, blocks);
        c.C00.StoreUnsafe(ref lanes0, 0);
        c.C01.StoreUnsafe(ref lanes0, 8);
        c.C02.StoreUnsafe(ref lanes0, 16);
        c.C03.StoreUnsafe(ref lanes0, 24);
        c.C10.StoreUnsafe(ref lanes1, 0);
        c.C11.StoreUnsafe(ref lanes1, 8);
        c.C12.StoreUnsafe(ref lanes1, 16);
        c.C13.StoreUnsafe(ref lanes1, 24);
    }

    /// <summary>
    /// The lanes of the 16 pairs (a + r·stride, b + k·stride), r, k = 0…3, over <paramref name="blocks"/> (a multiple of
    /// 16) values, row r's four stored at <paramref name="lanes0"/> … <paramref name="lanes3"/> + 8k: each exactly the
    /// lanes of <see cref="Lanes2x4"/> (the same accumulator per pair, the same fold). With AVX-512 one 4×4 register
    /// tile (8 loads for 16 pairs, 16 accumulators in 32 registers); otherwise two 2×4 tiles, as AVX2's 16 registers
    /// hold only 2×4's accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes4x4(ref float a, ref float b, nint stride, int blocks, ref float lanes0, ref float lanes1, ref float lanes2, ref float lanes3)
    {
        Debug.Assert((blocks & (Group - 1)) == 0);
        if (Vector512.IsHardwareAccelerated)
        {
            Lanes4x4Wide(ref a, ref b, stride, blocks, ref lanes0, ref lanes1, ref lanes2, ref lanes3);
            return;
        }
        ref float a2 = ref Unsafe.Add(ref a, 2 * stride);
        Lanes2x4(ref a, ref Unsafe.Add(ref a, stride), ref b, stride, blocks, ref lanes0, ref lanes1);
        Lanes2x4(ref a2, ref Unsafe.Add(ref a2, stride), ref b, stride, blocks, ref lanes2, ref lanes3);
    }

    /// <summary><see cref="Lanes4x4"/> with the 16 lanes of each pair in one 512-bit accumulator: dᵣₖ = aᵣ − bₖ, cᵣₖ ← fma(dᵣₖ, dᵣₖ, cᵣₖ), then the fold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Lanes4x4Wide(ref float a, ref float b, nint stride, int blocks, ref float lanes0, ref float lanes1, ref float lanes2, ref float lanes3)
    {
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a, stride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * stride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * stride);
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        for (nuint t = 0; t < (nuint)blocks; t += Group)
        {
            var x0 = Vector512.LoadUnsafe(ref a0, t);
            var x1 = Vector512.LoadUnsafe(ref a1, t);
            var x2 = Vector512.LoadUnsafe(ref a2, t);
            var x3 = Vector512.LoadUnsafe(ref a3, t);
            var y = Vector512.LoadUnsafe(ref b0, t);
            var d0 = x0 - y;
            var d1 = x1 - y;
            var d2 = x2 - y;
            var d3 = x3 - y;
            c00 = Vector512.FusedMultiplyAdd(d0, d0, c00);
            c10 = Vector512.FusedMultiplyAdd(d1, d1, c10);
            c20 = Vector512.FusedMultiplyAdd(d2, d2, c20);
            c30 = Vector512.FusedMultiplyAdd(d3, d3, c30);
            y = Vector512.LoadUnsafe(ref b1, t);
            d0 = x0 - y;
            d1 = x1 - y;
            d2 = x2 - y;
            d3 = x3 - y;
            c01 = Vector512.FusedMultiplyAdd(d0, d0, c01);
            c11 = Vector512.FusedMultiplyAdd(d1, d1, c11);
            c21 = Vector512.FusedMultiplyAdd(d2, d2, c21);
            c31 = Vector512.FusedMultiplyAdd(d3, d3, c31);
            y = Vector512.LoadUnsafe(ref b2, t);
            d0 = x0 - y;
            d1 = x1 - y;
            d2 = x2 - y;
            d3 = x3 - y;
            c02 = Vector512.FusedMultiplyAdd(d0, d0, c02);
            c12 = Vector512.FusedMultiplyAdd(d1, d1, c12);
            c22 = Vector512.FusedMultiplyAdd(d2, d2, c22);
            c32 = Vector512.FusedMultiplyAdd(d3, d3, c32);
            y = Vector512.LoadUnsafe(ref b3, t);
            d0 = x0 - y;
            d1 = x1 - y;
            d2 = x2 - y;
            d3 = x3 - y;
            c03 = Vector512.FusedMultiplyAdd(d0, d0, c03);
            c13 = Vector512.FusedMultiplyAdd(d1, d1, c13);
            c23 = Vector512.FusedMultiplyAdd(d2, d2, c23);
            c33 = Vector512.FusedMultiplyAdd(d3, d3, c33);
        }
        Fold(c00).StoreUnsafe(ref lanes0, 0);
        Fold(c01).StoreUnsafe(ref lanes0, 8);
        Fold(c02).StoreUnsafe(ref lanes0, 16);
        Fold(c03).StoreUnsafe(ref lanes0, 24);
        Fold(c10).StoreUnsafe(ref lanes1, 0);
        Fold(c11).StoreUnsafe(ref lanes1, 8);
        Fold(c12).StoreUnsafe(ref lanes1, 16);
        Fold(c13).StoreUnsafe(ref lanes1, 24);
        Fold(c20).StoreUnsafe(ref lanes2, 0);
        Fold(c21).StoreUnsafe(ref lanes2, 8);
        Fold(c22).StoreUnsafe(ref lanes2, 16);
        Fold(c23).StoreUnsafe(ref lanes2, 24);
        Fold(c30).StoreUnsafe(ref lanes3, 0);
        Fold(c31).StoreUnsafe(ref lanes3, 8);
        Fold(c32).StoreUnsafe(ref lanes3, 16);
        Fold(c33).StoreUnsafe(ref lanes3, 24);
    }

    /// <summary>
    /// The lanes of the six pairs among the four rows a + r·stride, r = 0…3 (a quad's pairs among themselves), over
    /// <paramref name="blocks"/> values (a multiple of 16): pairs (0, 1), (0, 2), (0, 3) stored at lanes0 + 0, 8, 16,
    /// (1, 2), (1, 3) at lanes1 + 0, 8, and (2, 3) at lanes2; with <paramref name="norms"/> also the four rows' squared
    /// norms at normLanes + 8r. Each pair's lanes are exactly those of <see cref="LanesPairs4"/> with (aᵣ, aₖ), r &lt; k
    /// (dᵣₖ = aᵣ − aₖ, the same accumulator, the same fold), each norm's those of <see cref="Lanes4"/> with a = 0
    /// (the loaded x squared into its accumulator); this only shares the four loads (12 for the six pairs as leftovers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LanesQuad(ref float a, nint stride, int blocks, ref float lanes0, ref float lanes1, ref float lanes2, bool norms, ref float normLanes)
    {
        Debug.Assert((blocks & (Group - 1)) == 0);
        if (Vector512.IsHardwareAccelerated)
        {
            LanesQuadWide(ref a, stride, blocks, ref lanes0, ref lanes1, ref lanes2, norms, ref normLanes);
            return;
        }
        LanesQuadHalves(ref a, stride, blocks, ref lanes0, ref lanes1, ref lanes2, norms, ref normLanes);
    }

    /// <summary>
    /// <see cref="LanesQuad"/> with lanes 0…7, then 8…15, in 256-bit vectors; the fold adds the two (AVX2's 16 registers
    /// hold one half's ten accumulators and four rows).
    /// </summary>
    internal static void LanesQuadHalves(ref float a, nint stride, int blocks, ref float lanes0, ref float lanes1, ref float lanes2, bool norms, ref float normLanes)
    {
        var lo = QuadHalf(ref a, stride, blocks, 0, norms);
        var hi = QuadHalf(ref a, stride, blocks, 8, norms);
        (lo.C01 + hi.C01).StoreUnsafe(ref lanes0, 0);
        (lo.C02 + hi.C02).StoreUnsafe(ref lanes0, 8);
        (lo.C03 + hi.C03).StoreUnsafe(ref lanes0, 16);
        (lo.C12 + hi.C12).StoreUnsafe(ref lanes1, 0);
        (lo.C13 + hi.C13).StoreUnsafe(ref lanes1, 8);
        (lo.C23 + hi.C23).StoreUnsafe(ref lanes2, 0);
        if (norms)
        {
            (lo.N0 + hi.N0).StoreUnsafe(ref normLanes, 0);
            (lo.N1 + hi.N1).StoreUnsafe(ref normLanes, 8);
            (lo.N2 + hi.N2).StoreUnsafe(ref normLanes, 16);
            (lo.N3 + hi.N3).StoreUnsafe(ref normLanes, 24);
        }
    }

    /// <summary><see cref="LanesQuad"/> with the 16 lanes of each pair (and norm) in one 512-bit accumulator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LanesQuadWide(ref float a, nint stride, int blocks, ref float lanes0, ref float lanes1, ref float lanes2, bool norms, ref float normLanes)
    {
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a, stride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * stride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * stride);
        Vector512<float> c01 = default, c02 = default, c03 = default, c12 = default, c13 = default, c23 = default;
        Vector512<float> n0 = default, n1 = default, n2 = default, n3 = default;
        for (nuint t = 0; t < (nuint)blocks; t += Group)
        {
            var x0 = Vector512.LoadUnsafe(ref a0, t);
            var x1 = Vector512.LoadUnsafe(ref a1, t);
            var x2 = Vector512.LoadUnsafe(ref a2, t);
            var x3 = Vector512.LoadUnsafe(ref a3, t);
            var e = x0 - x1;
            c01 = Vector512.FusedMultiplyAdd(e, e, c01);
            e = x0 - x2;
            c02 = Vector512.FusedMultiplyAdd(e, e, c02);
            e = x0 - x3;
            c03 = Vector512.FusedMultiplyAdd(e, e, c03);
            e = x1 - x2;
            c12 = Vector512.FusedMultiplyAdd(e, e, c12);
            e = x1 - x3;
            c13 = Vector512.FusedMultiplyAdd(e, e, c13);
            e = x2 - x3;
            c23 = Vector512.FusedMultiplyAdd(e, e, c23);
            if (norms)
            {
                n0 = Vector512.FusedMultiplyAdd(x0, x0, n0);
                n1 = Vector512.FusedMultiplyAdd(x1, x1, n1);
                n2 = Vector512.FusedMultiplyAdd(x2, x2, n2);
                n3 = Vector512.FusedMultiplyAdd(x3, x3, n3);
            }
        }
        Fold(c01).StoreUnsafe(ref lanes0, 0);
        Fold(c02).StoreUnsafe(ref lanes0, 8);
        Fold(c03).StoreUnsafe(ref lanes0, 16);
        Fold(c12).StoreUnsafe(ref lanes1, 0);
        Fold(c13).StoreUnsafe(ref lanes1, 8);
        Fold(c23).StoreUnsafe(ref lanes2, 0);
        if (norms)
        {
            Fold(n0).StoreUnsafe(ref normLanes, 0);
            Fold(n1).StoreUnsafe(ref normLanes, 8);
            Fold(n2).StoreUnsafe(ref normLanes, 16);
            Fold(n3).StoreUnsafe(ref normLanes, 24);
        }
    }

    /// <summary>The unfolded lanes <c>half</c> … <c>half</c> + 7 of a quad's six pairs and four norms.</summary>
    internal readonly record struct QuadSet(
        Vector256<float> C01, Vector256<float> C02, Vector256<float> C03, Vector256<float> C12, Vector256<float> C13, Vector256<float> C23,
        Vector256<float> N0, Vector256<float> N1, Vector256<float> N2, Vector256<float> N3);

    /// <summary>Lanes <paramref name="half"/> … <paramref name="half"/> + 7 of <see cref="LanesQuad"/>, in 256-bit vectors.</summary>
    private static QuadSet QuadHalf(ref float a, nint stride, int blocks, int half, bool norms)
    {
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a, stride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * stride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * stride);
        Vector256<float> c01 = default, c02 = default, c03 = default, c12 = default, c13 = default, c23 = default;
        Vector256<float> n0 = default, n1 = default, n2 = default, n3 = default;
        for (int t = half; t < blocks; t += Group)
        {
            var x0 = Vector256.LoadUnsafe(ref a0, (nuint)t);
            var x1 = Vector256.LoadUnsafe(ref a1, (nuint)t);
            var x2 = Vector256.LoadUnsafe(ref a2, (nuint)t);
            var x3 = Vector256.LoadUnsafe(ref a3, (nuint)t);
            var e = x0 - x1;
            c01 = Vector256.FusedMultiplyAdd(e, e, c01);
            e = x0 - x2;
            c02 = Vector256.FusedMultiplyAdd(e, e, c02);
            e = x0 - x3;
            c03 = Vector256.FusedMultiplyAdd(e, e, c03);
            e = x1 - x2;
            c12 = Vector256.FusedMultiplyAdd(e, e, c12);
            e = x1 - x3;
            c13 = Vector256.FusedMultiplyAdd(e, e, c13);
            e = x2 - x3;
            c23 = Vector256.FusedMultiplyAdd(e, e, c23);
            if (norms)
            {
                n0 = Vector256.FusedMultiplyAdd(x0, x0, n0);
                n1 = Vector256.FusedMultiplyAdd(x1, x1, n1);
                n2 = Vector256.FusedMultiplyAdd(x2, x2, n2);
                n3 = Vector256.FusedMultiplyAdd(x3, x3, n3);
            }
        }
        return new QuadSet(c01, c02, c03, c12, c13, c23, n0, n1, n2, n3);
    }

    /// <summary>
    /// The lanes of four arbitrary pairs (aₖ, bₖ), k = 0…3, over <paramref name="blocks"/> values (a multiple
    /// of 16), stored at <paramref name="lanes"/> + 8·slotₖ: four independent accumulators (the leftovers of
    /// the 4×4 tiling: a quad's pairs with the last n mod 4 columns, and the last n mod 4 rows' pairs; a quad's pairs among
    /// its own rows go through <see cref="LanesQuad"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LanesPairs4(ref float a0, ref float b0, ref float a1, ref float b1, ref float a2, ref float b2, ref float a3, ref float b3,
        int blocks, ref float lanes, nint slot0, nint slot1, nint slot2, nint slot3)
    {
        Debug.Assert((blocks & (Group - 1)) == 0);
        var c = Vector512.IsHardwareAccelerated
            ? Pairs4Wide(ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3, blocks)
            : Pairs4Halves(ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3, blocks);
        c.C0.StoreUnsafe(ref lanes, (nuint)(8 * slot0));
        c.C1.StoreUnsafe(ref lanes, (nuint)(8 * slot1));
        c.C2.StoreUnsafe(ref lanes, (nuint)(8 * slot2));
        c.C3.StoreUnsafe(ref lanes, (nuint)(8 * slot3));
    }

    /// <summary>
    /// The lanes of distance(a, b + k·stride), k = 0…3 (with a = 0: the squared norms of four rows), over
    /// <paramref name="blocks"/> values (a multiple of 16), stored at lanes + 8k. fl(a − b)² = fl(b − a)²,
    /// so the point may stand on either side.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes4(ref float a, bool zero, ref float b, nint stride, int blocks, ref float lanes)
    {
        Debug.Assert((blocks & (Group - 1)) == 0);
        var c = Four(ref a, zero, ref b, stride, blocks);
        c.C0.StoreUnsafe(ref lanes, 0);
        c.C1.StoreUnsafe(ref lanes, 8);
        c.C2.StoreUnsafe(ref lanes, 16);
        c.C3.StoreUnsafe(ref lanes, 24);
    }

    /// <summary>The lanes of one distance (a = 0: one squared norm) over <paramref name="blocks"/> values (a multiple of 16), stored at lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes1(ref float a, bool zero, ref float b, int blocks, ref float lanes)
    {
        Debug.Assert((blocks & (Group - 1)) == 0);
        PairLanes(ref a, zero, ref b, blocks).StoreUnsafe(ref lanes, 0);
    }

    // ---- The lane accumulations, in 512-bit vectors or in two 256-bit halves (lanes 0…7, then 8…15). ----

    /// <summary>Four sets of folded lanes.</summary>
    internal readonly record struct Set4(Vector256<float> C0, Vector256<float> C1, Vector256<float> C2, Vector256<float> C3);

    /// <summary>The folded lanes of a 2×4 tile: row a0 against b + k·stride (C0k), row a1 (C1k).</summary>
    internal readonly record struct Set2x4(
        Vector256<float> C00, Vector256<float> C01, Vector256<float> C02, Vector256<float> C03,
        Vector256<float> C10, Vector256<float> C11, Vector256<float> C12, Vector256<float> C13);

    /// <summary>Lanes k and k+8 of a 16-lane accumulator added in float32: the documented fold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fold(Vector512<float> lanes) => lanes.GetLower() + lanes.GetUpper();

    /// <summary>The folded lanes of one pair (a, b), or of b's norm when <paramref name="zero"/>, over <paramref name="blocks"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> PairLanes(ref float a, bool zero, ref float b, int blocks) =>
        Vector512.IsHardwareAccelerated ? PairLanesWide(ref a, zero, ref b, blocks) : PairLanesHalves(ref a, zero, ref b, blocks);

    /// <summary><see cref="PairLanes"/> with the 16 lanes in 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> PairLanesWide(ref float a, bool zero, ref float b, int blocks)
    {
        var c = Vector512<float>.Zero;
        for (int t = 0; t < blocks; t += Group)
        {
            var e = Vector512.LoadUnsafe(ref b, (nuint)t);
            if (!zero) e = Vector512.LoadUnsafe(ref a, (nuint)t) - e;
            c = Vector512.FusedMultiplyAdd(e, e, c);
        }
        return Fold(c);
    }

    /// <summary><see cref="PairLanes"/> with lanes 0…7 and 8…15 in two 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> PairLanesHalves(ref float a, bool zero, ref float b, int blocks)
    {
        Vector256<float> lo = default, hi = default;
        for (int t = 0; t < blocks; t += Group)
        {
            var e = Vector256.LoadUnsafe(ref b, (nuint)t);
            var f = Vector256.LoadUnsafe(ref b, (nuint)(t + 8));
            if (!zero)
            {
                e = Vector256.LoadUnsafe(ref a, (nuint)t) - e;
                f = Vector256.LoadUnsafe(ref a, (nuint)(t + 8)) - f;
            }
            lo = Vector256.FusedMultiplyAdd(e, e, lo);
            hi = Vector256.FusedMultiplyAdd(f, f, hi);
        }
        return lo + hi;
    }

    /// <summary>The folded lanes of (a, b + k·stride), k = 0…3 (a = 0 when <paramref name="zero"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Set4 Four(ref float a, bool zero, ref float b, nint stride, int blocks) =>
        Vector512.IsHardwareAccelerated ? FourWide(ref a, zero, ref b, stride, blocks) : FourHalves(ref a, zero, ref b, stride, blocks);

    /// <summary><see cref="Four"/> with the 16 lanes in 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Set4 FourWide(ref float a, bool zero, ref float b, nint stride, int blocks)
    {
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int t = 0; t < blocks; t += Group)
        {
            var e0 = Vector512.LoadUnsafe(ref b0, (nuint)t);
            var e1 = Vector512.LoadUnsafe(ref b1, (nuint)t);
            var e2 = Vector512.LoadUnsafe(ref b2, (nuint)t);
            var e3 = Vector512.LoadUnsafe(ref b3, (nuint)t);
            if (!zero)
            {
                var x = Vector512.LoadUnsafe(ref a, (nuint)t);
                e0 = x - e0;
                e1 = x - e1;
                e2 = x - e2;
                e3 = x - e3;
            }
            c0 = Vector512.FusedMultiplyAdd(e0, e0, c0);
            c1 = Vector512.FusedMultiplyAdd(e1, e1, c1);
            c2 = Vector512.FusedMultiplyAdd(e2, e2, c2);
            c3 = Vector512.FusedMultiplyAdd(e3, e3, c3);
        }
        return new Set4(Fold(c0), Fold(c1), Fold(c2), Fold(c3));
    }

    /// <summary><see cref="Four"/> with lanes 0…7 and 8…15 in two 256-bit passes.</summary>
    internal static Set4 FourHalves(ref float a, bool zero, ref float b, nint stride, int blocks)
    {
        var lo = FourHalf(ref a, zero, ref b, stride, blocks, 0);
        var hi = FourHalf(ref a, zero, ref b, stride, blocks, 8);
        return new Set4(lo.C0 + hi.C0, lo.C1 + hi.C1, lo.C2 + hi.C2, lo.C3 + hi.C3);
    }

    /// <summary>Lanes <paramref name="half"/> … <paramref name="half"/> + 7 of <see cref="Four"/>, in 256-bit vectors.</summary>
    private static Set4 FourHalf(ref float a, bool zero, ref float b, nint stride, int blocks, int half)
    {
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int t = half; t < blocks; t += Group)
        {
            var e0 = Vector256.LoadUnsafe(ref b0, (nuint)t);
            var e1 = Vector256.LoadUnsafe(ref b1, (nuint)t);
            var e2 = Vector256.LoadUnsafe(ref b2, (nuint)t);
            var e3 = Vector256.LoadUnsafe(ref b3, (nuint)t);
            if (!zero)
            {
                var x = Vector256.LoadUnsafe(ref a, (nuint)t);
                e0 = x - e0;
                e1 = x - e1;
                e2 = x - e2;
                e3 = x - e3;
            }
            c0 = Vector256.FusedMultiplyAdd(e0, e0, c0);
            c1 = Vector256.FusedMultiplyAdd(e1, e1, c1);
            c2 = Vector256.FusedMultiplyAdd(e2, e2, c2);
            c3 = Vector256.FusedMultiplyAdd(e3, e3, c3);
        }
        return new Set4(c0, c1, c2, c3);
    }

    /// <summary>The folded lanes of four arbitrary pairs, 16 lanes in 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Set4 Pairs4Wide(ref float a0, ref float b0, ref float a1, ref float b1, ref float a2, ref float b2, ref float a3, ref float b3, int blocks)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        // A native-width index: an int one was sign-extended again before each of the eight loads.
        for (nuint t = 0; t < (nuint)blocks; t += Group)
        {
            var e0 = Vector512.LoadUnsafe(ref a0, t) - Vector512.LoadUnsafe(ref b0, t);
            var e1 = Vector512.LoadUnsafe(ref a1, t) - Vector512.LoadUnsafe(ref b1, t);
            var e2 = Vector512.LoadUnsafe(ref a2, t) - Vector512.LoadUnsafe(ref b2, t);
            var e3 = Vector512.LoadUnsafe(ref a3, t) - Vector512.LoadUnsafe(ref b3, t);
            c0 = Vector512.FusedMultiplyAdd(e0, e0, c0);
            c1 = Vector512.FusedMultiplyAdd(e1, e1, c1);
            c2 = Vector512.FusedMultiplyAdd(e2, e2, c2);
            c3 = Vector512.FusedMultiplyAdd(e3, e3, c3);
        }
        return new Set4(Fold(c0), Fold(c1), Fold(c2), Fold(c3));
    }

    /// <summary>The folded lanes of four arbitrary pairs, lanes 0…7 and 8…15 in two 256-bit passes.</summary>
    internal static Set4 Pairs4Halves(ref float a0, ref float b0, ref float a1, ref float b1, ref float a2, ref float b2, ref float a3, ref float b3, int blocks)
    {
        var lo = Pairs4Half(ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3, blocks, 0);
        var hi = Pairs4Half(ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3, blocks, 8);
        return new Set4(lo.C0 + hi.C0, lo.C1 + hi.C1, lo.C2 + hi.C2, lo.C3 + hi.C3);
    }

    /// <summary>Lanes <paramref name="half"/> … <paramref name="half"/> + 7 of four arbitrary pairs, in 256-bit vectors.</summary>
    private static Set4 Pairs4Half(ref float a0, ref float b0, ref float a1, ref float b1, ref float a2, ref float b2, ref float a3, ref float b3,
        int blocks, int half)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int t = half; t < blocks; t += Group)
        {
            var e0 = Vector256.LoadUnsafe(ref a0, (nuint)t) - Vector256.LoadUnsafe(ref b0, (nuint)t);
            var e1 = Vector256.LoadUnsafe(ref a1, (nuint)t) - Vector256.LoadUnsafe(ref b1, (nuint)t);
            var e2 = Vector256.LoadUnsafe(ref a2, (nuint)t) - Vector256.LoadUnsafe(ref b2, (nuint)t);
            var e3 = Vector256.LoadUnsafe(ref a3, (nuint)t) - Vector256.LoadUnsafe(ref b3, (nuint)t);
            c0 = Vector256.FusedMultiplyAdd(e0, e0, c0);
            c1 = Vector256.FusedMultiplyAdd(e1, e1, c1);
            c2 = Vector256.FusedMultiplyAdd(e2, e2, c2);
            c3 = Vector256.FusedMultiplyAdd(e3, e3, c3);
        }
        return new Set4(c0, c1, c2, c3);
    }

    /// <summary>The folded lanes of rows a0 and a1 against b + k·stride, k = 0…3: 6 loads for 8 pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Set2x4 Tile2x4(ref float a0, ref float a1, ref float b, nint stride, int blocks) =>
        Vector512.IsHardwareAccelerated ? Tile2x4Wide(ref a0, ref a1, ref b, stride, blocks) : Tile2x4Halves(ref a0, ref a1, ref b, stride, blocks);

    /// <summary><see cref="Tile2x4"/> with the 16 lanes in 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Set2x4 Tile2x4Wide(ref float a0, ref float a1, ref float b, nint stride, int blocks)
    {
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        for (int t = 0; t < blocks; t += Group)
        {
            var x0 = Vector512.LoadUnsafe(ref a0, (nuint)t);
            var x1 = Vector512.LoadUnsafe(ref a1, (nuint)t);
            var y = Vector512.LoadUnsafe(ref b0, (nuint)t);
            var d0 = x0 - y;
            var d1 = x1 - y;
            c00 = Vector512.FusedMultiplyAdd(d0, d0, c00);
            c10 = Vector512.FusedMultiplyAdd(d1, d1, c10);
            y = Vector512.LoadUnsafe(ref b1, (nuint)t);
            d0 = x0 - y;
            d1 = x1 - y;
            c01 = Vector512.FusedMultiplyAdd(d0, d0, c01);
            c11 = Vector512.FusedMultiplyAdd(d1, d1, c11);
            y = Vector512.LoadUnsafe(ref b2, (nuint)t);
            d0 = x0 - y;
            d1 = x1 - y;
            c02 = Vector512.FusedMultiplyAdd(d0, d0, c02);
            c12 = Vector512.FusedMultiplyAdd(d1, d1, c12);
            y = Vector512.LoadUnsafe(ref b3, (nuint)t);
            d0 = x0 - y;
            d1 = x1 - y;
            c03 = Vector512.FusedMultiplyAdd(d0, d0, c03);
            c13 = Vector512.FusedMultiplyAdd(d1, d1, c13);
        }
        return new Set2x4(Fold(c00), Fold(c01), Fold(c02), Fold(c03), Fold(c10), Fold(c11), Fold(c12), Fold(c13));
    }

    /// <summary><see cref="Tile2x4"/> with lanes 0…7 and 8…15 in two 256-bit passes.</summary>
    internal static Set2x4 Tile2x4Halves(ref float a0, ref float a1, ref float b, nint stride, int blocks)
    {
        var lo = Tile2x4Half(ref a0, ref a1, ref b, stride, blocks, 0);
        var hi = Tile2x4Half(ref a0, ref a1, ref b, stride, blocks, 8);
        return new Set2x4(lo.C00 + hi.C00, lo.C01 + hi.C01, lo.C02 + hi.C02, lo.C03 + hi.C03,
            lo.C10 + hi.C10, lo.C11 + hi.C11, lo.C12 + hi.C12, lo.C13 + hi.C13);
    }

    /// <summary>Lanes <paramref name="half"/> … <paramref name="half"/> + 7 of <see cref="Tile2x4"/>, in 256-bit vectors (8 accumulators: AVX2's 16 registers hold them).</summary>
    private static Set2x4 Tile2x4Half(ref float a0, ref float a1, ref float b, nint stride, int blocks, int half)
    {
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        for (int t = half; t < blocks; t += Group)
        {
            var x0 = Vector256.LoadUnsafe(ref a0, (nuint)t);
            var x1 = Vector256.LoadUnsafe(ref a1, (nuint)t);
            var y = Vector256.LoadUnsafe(ref b0, (nuint)t);
            var d0 = x0 - y;
            var d1 = x1 - y;
            c00 = Vector256.FusedMultiplyAdd(d0, d0, c00);
            c10 = Vector256.FusedMultiplyAdd(d1, d1, c10);
            y = Vector256.LoadUnsafe(ref b1, (nuint)t);
            d0 = x0 - y;
            d1 = x1 - y;
            c01 = Vector256.FusedMultiplyAdd(d0, d0, c01);
            c11 = Vector256.FusedMultiplyAdd(d1, d1, c11);
            y = Vector256.LoadUnsafe(ref b2, (nuint)t);
            d0 = x0 - y;
            d1 = x1 - y;
            c02 = Vector256.FusedMultiplyAdd(d0, d0, c02);
            c12 = Vector256.FusedMultiplyAdd(d1, d1, c12);
            y = Vector256.LoadUnsafe(ref b3, (nuint)t);
            d0 = x0 - y;
            d1 = x1 - y;
            c03 = Vector256.FusedMultiplyAdd(d0, d0, c03);
            c13 = Vector256.FusedMultiplyAdd(d1, d1, c13);
        }
        return new Set2x4(c00, c01, c02, c03, c10, c11, c12, c13);
    }

    /// <summary>
    /// sums[k] += (((0 + lane₀) + lane₁) + … + lane₇) in float64, lanes widened, for the
    /// <paramref name="count"/> entries whose 8 lanes lie at <paramref name="lanes"/> + 8k: exactly the
    /// <see cref="Lanes"/> sum of each entry added into its sum.
    /// </summary>
    /// <remarks>
    /// With AVX, eight entries at a time: an 8×8 transpose puts lane j of the eight entries in one
    /// vector, which is widened and added into two float64 vectors of four sums each, lane 0 first: per
    /// entry the same additions in the same order as one at a time. With AVX-512 the transpose is eight
    /// two-source permutes (lanes j and j+1 of the eight entries in one vector) and the eight sums sit in
    /// one float64 vector: again the same additions in the same order. Without AVX, one entry at a time.
    /// </remarks>
    public static void AddLaneSums(ref float lanes, ref double sums, int count)
    {
        int k = 0;
        if (Avx512F.IsSupported)
        {
            // Two rounds of two-source permutes put lanes j and j+1 of the eight entries in one 512-bit vector
            // (8 permutes instead of 24 shuffles of 256 bits); then the same widening and additions, lane 0 first.
            var firstLow = Vector512.Create(0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
            var firstHigh = Vector512.Create(4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
            var secondEven = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
            var secondOdd = Vector512.Create(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
            for (; k + 8 <= count; k += 8)
            {
                ref float r = ref Unsafe.Add(ref lanes, 8 * k);
                var z0 = Vector512.LoadUnsafe(ref r, 0);   // entries 0, 1
                var z1 = Vector512.LoadUnsafe(ref r, 16);  // entries 2, 3
                var z2 = Vector512.LoadUnsafe(ref r, 32);  // entries 4, 5
                var z3 = Vector512.LoadUnsafe(ref r, 48);  // entries 6, 7
                // a: lanes 0…3 (aLow) and 4…7 (aHigh) of entries 0…3, lane by lane; b: the same for entries 4…7.
                var aLow = Avx512F.PermuteVar16x32x2(z0, firstLow, z1);
                var aHigh = Avx512F.PermuteVar16x32x2(z0, firstHigh, z1);
                var bLow = Avx512F.PermuteVar16x32x2(z2, firstLow, z3);
                var bHigh = Avx512F.PermuteVar16x32x2(z2, firstHigh, z3);
                var acc = Vector512<double>.Zero;
                AddLanePair(Avx512F.PermuteVar16x32x2(aLow, secondEven, bLow), ref acc);   // lanes 0, 1
                AddLanePair(Avx512F.PermuteVar16x32x2(aLow, secondOdd, bLow), ref acc);    // lanes 2, 3
                AddLanePair(Avx512F.PermuteVar16x32x2(aHigh, secondEven, bHigh), ref acc); // lanes 4, 5
                AddLanePair(Avx512F.PermuteVar16x32x2(aHigh, secondOdd, bHigh), ref acc);  // lanes 6, 7
                ref double s = ref Unsafe.Add(ref sums, k);
                (Vector512.LoadUnsafe(ref s) + acc).StoreUnsafe(ref s);
            }
        }
        else if (Avx.IsSupported)
        {
            for (; k + 8 <= count; k += 8)
            {
                ref float r = ref Unsafe.Add(ref lanes, 8 * k);
                var r0 = Vector256.LoadUnsafe(ref r, 0);
                var r1 = Vector256.LoadUnsafe(ref r, 8);
                var r2 = Vector256.LoadUnsafe(ref r, 16);
                var r3 = Vector256.LoadUnsafe(ref r, 24);
                var r4 = Vector256.LoadUnsafe(ref r, 32);
                var r5 = Vector256.LoadUnsafe(ref r, 40);
                var r6 = Vector256.LoadUnsafe(ref r, 48);
                var r7 = Vector256.LoadUnsafe(ref r, 56);
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                var t4 = Avx.UnpackLow(r4, r5);
                var t5 = Avx.UnpackHigh(r4, r5);
                var t6 = Avx.UnpackLow(r6, r7);
                var t7 = Avx.UnpackHigh(r6, r7);
                var u0 = Avx.Shuffle(t0, t2, 0x44);
                var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44);
                var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44);
                var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44);
                var u7 = Avx.Shuffle(t5, t7, 0xEE);
                // Lane j of entries 0…7: low halves give lanes 0…3, high halves lanes 4…7.
                var lo = Vector256<double>.Zero;
                var hi = Vector256<double>.Zero;
                AddLane(Avx.Permute2x128(u0, u4, 0x20), ref lo, ref hi);
                AddLane(Avx.Permute2x128(u1, u5, 0x20), ref lo, ref hi);
                AddLane(Avx.Permute2x128(u2, u6, 0x20), ref lo, ref hi);
                AddLane(Avx.Permute2x128(u3, u7, 0x20), ref lo, ref hi);
                AddLane(Avx.Permute2x128(u0, u4, 0x31), ref lo, ref hi);
                AddLane(Avx.Permute2x128(u1, u5, 0x31), ref lo, ref hi);
                AddLane(Avx.Permute2x128(u2, u6, 0x31), ref lo, ref hi);
                AddLane(Avx.Permute2x128(u3, u7, 0x31), ref lo, ref hi);
                ref double s = ref Unsafe.Add(ref sums, k);
                (Vector256.LoadUnsafe(ref s, 0) + lo).StoreUnsafe(ref s, 0);
                (Vector256.LoadUnsafe(ref s, 4) + hi).StoreUnsafe(ref s, 4);
            }
        }
        for (; k < count; k++) Unsafe.Add(ref sums, k) += Lanes(Vector256.LoadUnsafe(ref lanes, (nuint)(8 * k)));
    }

    /// <summary>acc += lane j, then acc += lane j+1, of eight entries: <paramref name="pair"/> holds lane j of entries 0…7, then lane j+1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddLanePair(Vector512<float> pair, ref Vector512<double> acc)
    {
        acc += Vector512.WidenLower(pair);
        acc += Vector512.WidenUpper(pair);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddLane(Vector256<float> lane, ref Vector256<double> lo, ref Vector256<double> hi)
    {
        var (l, h) = Vector256.Widen(lane);
        lo += l;
        hi += h;
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
