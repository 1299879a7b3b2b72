using SimByz.Aggregation.Rules;

namespace SimByz.Tests.Unit.Aggregation;

/// <summary>
/// Runs test code with <see cref="ChunkRunner.MaxThreads"/> set, and restores it whatever happens. The setting is
/// process-wide: a test class whose assertions depend on the count it sets (a chunk order, an allocation count) belongs to
/// the <c>ParallelAllocationTests</c> collection, which runs alone; one that only compares results across counts
/// (AggregatorContractTests: every rule gives the same bytes at any count) may run beside others, since no result depends
/// on the count. The allocation tests (ParallelAllocationTests, StepAllocationTests) keep their own save and restore, so
/// that nothing but the code they measure runs between their counts.
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
