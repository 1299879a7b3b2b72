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
    // Above MeanKernel.GroupedAbove rows the rows go in groups of MeanKernel.GroupRows: a partial last group, a tail
    // only, and two groups and more across chunks, blocks and tails.
    [InlineData(25, 2047)]
    [InlineData(31, 15)]
    [InlineData(47, 3 * 2048 + 11)]
    [InlineData(100, 2048 + 64 + 16 + 5)]
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

    /// <summary>
    /// The weighted sums (RowCombination's arithmetic: the product w·x in float64, then the sum, rows in the order given,
    /// one division, one rounding) and centered clipping's update v + (Σ − (Σc)·v)/count, against the scalar formula, for
    /// every start offset, a subset of rows in a shuffled order, unit and non-unit weights.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 17)]
    [InlineData(20, 2048 + 64 + 16 + 5)]
    [InlineData(33, 3 * 2048 + 11)]
    [InlineData(61, 2048 + 64 + 16 + 5)] // 31 rows in the order given: unit weights go in groups
    [InlineData(201, 2048 + 64 + 16 + 5)] // 101 rows: weighted sums run here up to WeightedRowLimit rows
    [InlineData(255, 64 + 16 + 5)] // 128 rows, the limit itself (asserted below)
    public void WeightedAndCenteredSums_AreTheDocumentedArithmeticPerCoordinate(int n, int d)
    {
        if (!MeanKernel.IsSupported) return; // RowCombination and cc use their own loops here
        var stream = RandomStreams.Derive(6, "mean-kernel-weighted", n * 100_000 + d);
        var values = new float[n * d + 16];
        for (int k = 0; k < values.Length; k++) values[k] = (float)stream.NextNormal(0.01, 1.0) * (k % 5 == 0 ? 1e5f : 1f);
        var center = new float[d];
        for (int j = 0; j < d; j++) center[j] = (float)stream.NextNormal(0, 2);
        // Every other row, last first: the kernel must take the rows in the order given, not in index order.
        var rows = Enumerable.Range(0, n).Where(i => i % 2 == 0).Reverse().ToArray();
        if (n == 255) Assert.Equal(MeanKernel.WeightedRowLimit, rows.Length); // the case at the limit itself
        var offsets = rows.Select(i => (long)i * d).ToArray();
        var weights = rows.Select(i => 0.25 + 0.7 * stream.NextDouble()).ToArray();
        var units = rows.Select(_ => 1.0).ToArray();
        double factorSum = weights.Sum() + 0.5, denominator = 3.0;
        var kernel = new MeanKernel();
        for (int offset = 0; offset < 16; offset += 5)
        {
            var batch = new GradientBatch(values.AsMemory(offset, n * d), n, d);
            foreach (var (w, unit) in new[] { (weights, false), (units, true) })
            {
                var output = new float[d];
                kernel.Run(batch, offsets, w, unit, denominator, output);
                AssertEachCoordinate(output, j => (float)(WeightedSum(values, offset, offsets, w, j) / denominator), $"offset {offset}, unit {unit}");
            }
            var centered = new float[d];
            kernel.RunCentered(batch, offsets, weights, factorSum, n, center, centered);
            AssertEachCoordinate(centered, j => (float)(center[j] + (WeightedSum(values, offset, offsets, weights, j) - factorSum * center[j]) / n),
                $"offset {offset}, centered");
            // The plain mean afterwards (a call with other buffers in between) is still the plain mean.
            var mean = new float[d];
            kernel.Run(batch, mean);
            AssertEachCoordinate(mean, j => (float)(Enumerable.Range(0, n).Aggregate(0.0, (acc, k) => acc + values[offset + k * d + j]) / n),
                $"offset {offset}, mean after");
        }
    }

    private static double WeightedSum(float[] values, int offset, long[] offsets, double[] weights, int j)
    {
        double acc = 0;
        for (int k = 0; k < offsets.Length; k++) acc += weights[k] * values[offset + offsets[k] + j];
        return acc;
    }

    private static void AssertEachCoordinate(float[] output, Func<int, float> expected, string what)
    {
        for (int j = 0; j < output.Length; j++)
        {
            float e = expected(j);
            Assert.True(BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits(output[j]), $"{what}, coordinate {j}: {output[j]} vs {e}");
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
