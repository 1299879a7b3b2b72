using SimByz.Aggregation.Rules;

namespace SimByz.Tests.Unit.Aggregation;

/// <summary>
/// Runs test code with <see cref="ChunkRunner.MaxThreads"/> set, and restores it whatever happens. A test class that uses it
/// changes a process-wide setting: it belongs to the <c>ParallelAllocationTests</c> collection, not beside the tests that
/// measure or pin the thread count. The allocation tests (ParallelAllocationTests, StepAllocationTests) keep their own
/// save and restore, so that nothing but the code they measure runs between their counts.
/// </summary>
internal static class ChunkThreads
{
    public static void With(int threads, Action action) => With(threads, () =>
    {
        action();
        return 0;
    });

    public static T With<T>(int threads, Func<T> body)
    {
        int saved = ChunkRunner.MaxThreads;
        try
        {
            ChunkRunner.MaxThreads = threads;
            return body();
        }
        finally
        {
            ChunkRunner.MaxThreads = saved;
        }
    }
}
