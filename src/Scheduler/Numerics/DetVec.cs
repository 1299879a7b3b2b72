using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SimByz.Scheduler;

/// <summary>
/// Deterministic reductions over float32 spans (dot products, norms, distances, sums), bit-identical
/// on every machine, vector width and thread count (DESIGN.md, Determinism contract).
/// </summary>
/// <remarks>
/// <para>Why not <c>TensorPrimitives.Dot</c>/<c>Sum</c>: their reduction order follows the hardware's
/// widest vector (128, 256 or 512 bits), so the rounding differs between machines.</para>
/// <para>Order defined here: the span is cut into blocks of 8; products (or values) are formed in
/// float32 per lane, widened to float64 and accumulated in 8 float64 lanes (lane k takes elements
/// ≡ k mod 8); the lanes are summed 0..7 left to right; the tail (fewer than 8 elements) is then
/// added in index order in float64. The code uses <see cref="Vector256{T}"/>, whose semantics are
/// per-lane IEEE operations whether or not the hardware accelerates them (with
/// <c>DOTNET_EnableHWIntrinsic=0</c> the JIT computes the same lanes in software), and never fuses
/// multiply and add.</para>
/// <para>Element-wise operations (add, scale) have no order and may use <c>TensorPrimitives</c>.</para>
/// </remarks>
public static class DetVec
{
    /// <summary>Σ aᵢbᵢ in the documented order (float64 accumulation).</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("lengths differ");
        int n = a.Length, blocks = n & ~7;
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref float rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        for (int i = 0; i < blocks; i += 8)
        {
            var p = Vector256.LoadUnsafe(ref ra, (nuint)i) * Vector256.LoadUnsafe(ref rb, (nuint)i);
            var (lo, hi) = Vector256.Widen(p);
            acc0 += lo;
            acc1 += hi;
        }
        double sum = HorizontalSum(acc0, acc1);
        for (int i = blocks; i < n; i++) sum += (double)(a[i] * b[i]);
        return sum;
    }

    /// <summary>Σ aᵢ² (float64 accumulation, documented order).</summary>
    public static double SquaredNorm(ReadOnlySpan<float> a) => Dot(a, a);

    /// <summary>‖a‖₂.</summary>
    public static double Norm(ReadOnlySpan<float> a) => Math.Sqrt(Dot(a, a));

    /// <summary>Σ (aᵢ − bᵢ)², differences formed in float32, squares and sums as documented.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("lengths differ");
        int n = a.Length, blocks = n & ~7;
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref float rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        for (int i = 0; i < blocks; i += 8)
        {
            var diff = Vector256.LoadUnsafe(ref ra, (nuint)i) - Vector256.LoadUnsafe(ref rb, (nuint)i);
            var p = diff * diff;
            var (lo, hi) = Vector256.Widen(p);
            acc0 += lo;
            acc1 += hi;
        }
        double sum = HorizontalSum(acc0, acc1);
        for (int i = blocks; i < n; i++)
        {
            float diff = a[i] - b[i];
            sum += (double)(diff * diff);
        }
        return sum;
    }

    /// <summary>Σ aᵢ (float64 accumulation, documented order).</summary>
    public static double Sum(ReadOnlySpan<float> a)
    {
        int n = a.Length, blocks = n & ~7;
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        for (int i = 0; i < blocks; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref ra, (nuint)i));
            acc0 += lo;
            acc1 += hi;
        }
        double sum = HorizontalSum(acc0, acc1);
        for (int i = blocks; i < n; i++) sum += a[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double HorizontalSum(Vector256<double> lanes0to3, Vector256<double> lanes4to7)
    {
        double s = 0;
        for (int k = 0; k < 4; k++) s += lanes0to3.GetElement(k);
        for (int k = 0; k < 4; k++) s += lanes4to7.GetElement(k);
        return s;
    }
}
