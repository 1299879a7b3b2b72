namespace SimByz.Tests.Unit.Support;

/// <summary>
/// Bytes allocated on the test's thread by a deterministic action, robust to the runtime's own occasional bytes.
/// </summary>
/// <remarks>
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> now and then includes a few KB the runtime charges to the
/// thread (type loading or a JIT compilation on it, more likely under load; dotnet/runtime#63487 and #74388 see the
/// same in the runtime's own test of the API). An allocation made by the code under test recurs on every repeat of
/// the same call, so the least count over a few repeats is the code's own: a check of "allocates nothing" stays exact.
/// </remarks>
internal static class ThreadAllocations
{
    /// <summary>The least number of bytes one call of <paramref name="action"/> allocated on this thread, over up to
    /// <paramref name="repeats"/> calls (stops at the first call that allocated nothing).</summary>
    public static long Least(Action action, int repeats = 3)
    {
        long least = long.MaxValue;
        for (int r = 0; r < repeats && least > 0; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
