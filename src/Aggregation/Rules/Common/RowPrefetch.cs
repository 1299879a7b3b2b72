using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// The software prefetch every aggregation kernel issues for the rows' lines ahead of its loads (the mean kernel, the
/// column kernel, the distance passes): one place for the cache level they ask for. Callers check
/// <see cref="Sse.IsSupported"/> first. A prefetch is a hint: it never faults, and no bit depends on it.
/// </summary>
/// <remarks>
/// The lines are asked for in L2 (<c>prefetcht1</c>); until session 29 in L1 (<c>prefetcht0</c>). On the AMD EPYC
/// family-25 machine, in alternated BenchmarkDotNet rounds, L2 made the mean of 20×10⁶ 44–49 % faster and the median,
/// trimmed mean and meamed of 100×10⁵ 29–59 % (docs/PERFORMANCE.md, "Session 29"). Likely, though not confirmed with
/// hardware counters: with n row streams in flight, requests into L1 hold L1's few miss buffers, and those were the bound.
/// </remarks>
internal static unsafe class RowPrefetch
{
    /// <summary>Asks for the cache line holding <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line(float* at) => Sse.Prefetch1(at);
}
