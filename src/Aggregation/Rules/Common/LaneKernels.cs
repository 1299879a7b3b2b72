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
/// Order: over the sub-block's full groups of 8 coordinates, (aₖ − bₖ)² is formed in float32 and added
/// in float32 into 8 lanes (lane k takes coordinates ≡ k mod 8, in index order); the 8 lanes are
/// widened and summed in float64, lane 0 to 7; the remaining (fewer than 8) coordinates are then added
/// in float64 in index order. Never fused multiply-add. <see cref="Vector256{T}"/> has the same
/// per-lane IEEE semantics with or without hardware acceleration, so the result is the same on every
/// machine; the 4-pair and 2×4-pair variants give each pair exactly the single-pair result (they only
/// share loads, and the 2×4 one issues half its subtractions as exact fused multiply-adds). The
/// lane-storing forms (<see cref="Lanes2x4"/>, <see cref="LanesPairs4"/>, <see cref="Lanes4"/>,
/// <see cref="Lanes1"/>) leave the same float32 lanes in a scratch, and <see cref="AddLaneSums"/> widens and
/// sums them eight entries at a time, in the same order, for sub-blocks without a tail.
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

    // ---- Lane-storing forms: the same float32 lanes, left in a scratch for AddLaneSums. ----
    // A sub-block whose length is a multiple of 8 has no tail, so its contribution to a sum is exactly
    // "sums[k] += (((0 + lane0) + lane1) + … + lane7)" in float64: the widening and the sequential sum of
    // the lanes of eight entries at a time is done by AddLaneSums after a transpose, lane k of eight
    // entries in one vector, which is the same additions in the same order for every entry.

    /// <summary>
    /// The 8 float32 lanes of distance(a0, b + k·stride) and distance(a1, b + k·stride), k = 0…3, over
    /// <paramref name="blocks"/> (a multiple of 8) values, stored at lanes0 + 8k and lanes1 + 8k: the
    /// accumulators of <see cref="SquaredDistance2x4"/>, not yet summed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes2x4(ref float a0, ref float a1, ref float b, nint stride, int blocks, ref float lanes0, ref float lanes1)
    {
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
        c00.StoreUnsafe(ref lanes0, 0);
        c01.StoreUnsafe(ref lanes0, 8);
        c02.StoreUnsafe(ref lanes0, 16);
        c03.StoreUnsafe(ref lanes0, 24);
        c10.StoreUnsafe(ref lanes1, 0);
        c11.StoreUnsafe(ref lanes1, 8);
        c12.StoreUnsafe(ref lanes1, 16);
        c13.StoreUnsafe(ref lanes1, 24);
    }

    /// <summary>
    /// The lanes of four arbitrary pairs (aₖ, bₖ), k = 0…3, over <paramref name="blocks"/> values, stored at
    /// <paramref name="lanes"/> + 8·slotₖ: four independent accumulators (the leftovers of the 2×4 tiling).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LanesPairs4(ref float a0, ref float b0, ref float a1, ref float b1, ref float a2, ref float b2, ref float a3, ref float b3,
        int blocks, ref float lanes, nint slot0, nint slot1, nint slot2, nint slot3)
    {
        var minusOne = Vector256.Create(-1f);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int t = 0; t < blocks; t += 8)
        {
            var e0 = Vector256.LoadUnsafe(ref a0, (nuint)t) - Vector256.LoadUnsafe(ref b0, (nuint)t);
            var e1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref b1, (nuint)t), minusOne, Vector256.LoadUnsafe(ref a1, (nuint)t));
            var e2 = Vector256.LoadUnsafe(ref a2, (nuint)t) - Vector256.LoadUnsafe(ref b2, (nuint)t);
            var e3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref b3, (nuint)t), minusOne, Vector256.LoadUnsafe(ref a3, (nuint)t));
            c0 += e0 * e0;
            c1 += e1 * e1;
            c2 += e2 * e2;
            c3 += e3 * e3;
        }
        c0.StoreUnsafe(ref lanes, (nuint)(8 * slot0));
        c1.StoreUnsafe(ref lanes, (nuint)(8 * slot1));
        c2.StoreUnsafe(ref lanes, (nuint)(8 * slot2));
        c3.StoreUnsafe(ref lanes, (nuint)(8 * slot3));
    }

    /// <summary>
    /// The lanes of distance(a, b + k·stride), k = 0…3 (with a = 0: the squared norms of four rows), over
    /// <paramref name="blocks"/> values, stored at lanes + 8k. fl(a − b)² = fl(b − a)², so the point may
    /// stand on either side.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes4(ref float a, bool zero, ref float b, nint stride, int blocks, ref float lanes)
    {
        ref float b0 = ref b;
        ref float b1 = ref Unsafe.Add(ref b, stride);
        ref float b2 = ref Unsafe.Add(ref b, 2 * stride);
        ref float b3 = ref Unsafe.Add(ref b, 3 * stride);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        if (zero)
        {
            for (int t = 0; t < blocks; t += 8)
            {
                var x0 = Vector256.LoadUnsafe(ref b0, (nuint)t);
                var x1 = Vector256.LoadUnsafe(ref b1, (nuint)t);
                var x2 = Vector256.LoadUnsafe(ref b2, (nuint)t);
                var x3 = Vector256.LoadUnsafe(ref b3, (nuint)t);
                c0 += x0 * x0;
                c1 += x1 * x1;
                c2 += x2 * x2;
                c3 += x3 * x3;
            }
        }
        else
        {
            for (int t = 0; t < blocks; t += 8)
            {
                var x = Vector256.LoadUnsafe(ref a, (nuint)t);
                var e0 = x - Vector256.LoadUnsafe(ref b0, (nuint)t);
                var e1 = x - Vector256.LoadUnsafe(ref b1, (nuint)t);
                var e2 = x - Vector256.LoadUnsafe(ref b2, (nuint)t);
                var e3 = x - Vector256.LoadUnsafe(ref b3, (nuint)t);
                c0 += e0 * e0;
                c1 += e1 * e1;
                c2 += e2 * e2;
                c3 += e3 * e3;
            }
        }
        c0.StoreUnsafe(ref lanes, 0);
        c1.StoreUnsafe(ref lanes, 8);
        c2.StoreUnsafe(ref lanes, 16);
        c3.StoreUnsafe(ref lanes, 24);
    }

    /// <summary>The lanes of one distance (a = 0: one squared norm) over <paramref name="blocks"/> values, stored at lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes1(ref float a, bool zero, ref float b, int blocks, ref float lanes)
    {
        var c = Vector256<float>.Zero;
        for (int t = 0; t < blocks; t += 8)
        {
            var e = Vector256.LoadUnsafe(ref b, (nuint)t);
            if (!zero) e = Vector256.LoadUnsafe(ref a, (nuint)t) - e;
            c += e * e;
        }
        c.StoreUnsafe(ref lanes, 0);
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
