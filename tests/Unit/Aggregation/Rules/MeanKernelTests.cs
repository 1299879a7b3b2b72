using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// The AVX-512 mean kernel cuts its chunks at row 0's 64-byte boundaries, so where the batch lies in memory moves
/// every chunk and block edge. Each coordinate must still be the documented sum: float64 from +0, rows in index
/// order, one division by n, one rounding — for every start offset within a cache line and shapes whose chunks,
/// blocks and tails fall everywhere.
/// </summary>
public sealed class MeanKernelTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 15)]
    [InlineData(2, 16)]
    [InlineData(5, 17)]
    [InlineData(20, 2047)]
    [InlineData(20, 2048 + 64 + 16 + 5)]
    [InlineData(7, 3 * 2048 + 11)]
    public void EveryStartOffsetWithinACacheLine_GivesTheDocumentedSumPerCoordinate(int n, int d)
    {
        if (!MeanKernel.IsSupported) return; // the rule uses RowCombination here; its bytes are pinned elsewhere
        var stream = RandomStreams.Derive(5, "mean-kernel", n * 100_000 + d);
        var values = new float[n * d + 16];
        for (int k = 0; k < values.Length; k++) values[k] = (float)stream.NextNormal(0.01, 1.0) * (k % 7 == 0 ? 1e6f : 1f);
        var kernel = new MeanKernel();
        for (int offset = 0; offset < 16; offset++)
        {
            var batch = new GradientBatch(values.AsMemory(offset, n * d), n, d);
            var output = new float[d + 16];
            output.AsSpan(d).Fill(float.NaN); // markers: nothing past d may be written
            kernel.Run(batch, output.AsSpan(0, d));
            Assert.All(output.AsSpan(d).ToArray(), v => Assert.True(float.IsNaN(v)));
            for (int j = 0; j < d; j++)
            {
                double acc = 0;
                for (int k = 0; k < n; k++) acc += values[offset + k * d + j];
                float expected = (float)(acc / n);
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(output[j]),
                    $"offset {offset}, coordinate {j}: {output[j]} vs {expected}");
            }
        }
    }

    [Fact]
    public void ChunkCount_CoversTheLeadAndEveryCoordinateOnce()
    {
        Assert.Equal(1, MeanKernel.ChunkCount(0, 0));
        Assert.Equal(1, MeanKernel.ChunkCount(2048, 0));
        Assert.Equal(2, MeanKernel.ChunkCount(2049, 0));
        Assert.Equal(1, MeanKernel.ChunkCount(2048 + 10, 10)); // chunk 0 is the lead and 2 048 after it
        Assert.Equal(2, MeanKernel.ChunkCount(2048 + 11, 10));
    }
}
