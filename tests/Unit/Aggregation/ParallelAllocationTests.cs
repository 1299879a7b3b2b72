using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation;

[CollectionDefinition(nameof(ParallelAllocationTests), DisableParallelization = true)]
public sealed class ParallelAllocationCollection;

/// <summary>
/// Zero allocation after warm-up on the multi-threaded path (several chunks, helper threads): measured
/// over all threads, so the class runs alone (CC is stateful: repeated calls are still valid rounds).
/// </summary>
[Collection(nameof(ParallelAllocationTests))]
public class ParallelAllocationTests
{
    [Theory]
    [InlineData("mean")]
    [InlineData("geometric-median", 300)]
    [InlineData("median")]
    [InlineData("trimmed-mean:b=2")]
    [InlineData("krum:f=2")]
    [InlineData("multi-krum:f=2")]
    [InlineData("geometric-median")]
    [InlineData("cc:tau=10,iters=2")]
    [InlineData("bulyan:f=2")]
    [InlineData("bucketing:s=2+meamed:f=1")]
    [InlineData("nnm:f=2+sign-majority")]
    [InlineData("sign-majority")]
    [InlineData("nnm:f=2+mean")]
    public void Aggregate_SeveralChunksOnHelperThreads_AllocatesNothingAfterWarmUp(string spec, int n = 11)
    {
        int saved = ChunkRunner.MaxThreads;
        try
        {
            ChunkRunner.MaxThreads = 2;
            var rule = AggregatorCatalog.BuiltIn.Create(spec);
            var batch = GradientBatch.FromRows(Normal(n, n > 11 ? 3_001 : 70_001, 21));
            var output = new float[batch.Dimension];
            var diagnostics = new AggregationDiagnostics();
            rule.Aggregate(batch, output, AggregationContext.None, diagnostics);
            rule.Aggregate(batch, output, AggregationContext.None, diagnostics);
            // Process-wide counts also see the test runner's own threads allocating now and then, so
            // take the smallest of 25 calls (on a loaded 2-core machine the runner allocates often):
            // an allocation per call would show in every one.
            long least = long.MaxValue;
            for (int attempt = 0; attempt < 25; attempt++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                rule.Aggregate(batch, output, AggregationContext.None, diagnostics);
                least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
            }
            Assert.Equal(0, least);
        }
        finally
        {
            ChunkRunner.MaxThreads = saved;
        }
    }
}
