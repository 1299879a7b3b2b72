using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// <see cref="ChunkOrder"/>: both orders run every chunk once, one thread runs them in the order asked, and the
/// kernels that take an order give the same bytes either way at any thread count.
/// </summary>
// Changes ChunkRunner.MaxThreads: not beside the tests that measure or pin it.
[Collection(nameof(SimByz.Tests.Unit.Aggregation.ParallelAllocationTests))]
public sealed class ChunkOrderTests
{
    private sealed class Recorder(int count) : IChunkJob
    {
        public readonly int[] Runs = new int[count];
        public readonly List<int> Sequence = [];

        public void RunChunk(int chunk)
        {
            Interlocked.Increment(ref Runs[chunk]);
            lock (Sequence) Sequence.Add(chunk);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Run_EitherOrder_RunsEveryChunkOnce(int threads)
    {
        foreach (int count in (int[])[0, 1, 2, 7, 100])
        {
            foreach (var order in (ChunkOrder[])[ChunkOrder.Ascending, ChunkOrder.Descending])
            {
                var job = new Recorder(count);
                ChunkThreads.With(threads, () => ChunkRunner.Run(job, count, order));
                Assert.All(job.Runs, runs => Assert.Equal(1, runs));
                Assert.Equal(count, job.Sequence.Count);
            }
        }
    }

    [Fact]
    public void Run_OneThread_HandsChunksOutInTheOrderAsked()
    {
        var up = new Recorder(5);
        var down = new Recorder(5);
        ChunkThreads.With(1, () =>
        {
            ChunkRunner.Run(up, 5);
            ChunkRunner.Run(down, 5, ChunkOrder.Descending);
        });
        Assert.Equal([0, 1, 2, 3, 4], up.Sequence);
        Assert.Equal([4, 3, 2, 1, 0], down.Sequence);
    }

    /// <summary>Rows of N(0, 1) with a few large values, so that the float64 sums round.</summary>
    private static GradientBatch Batch(int n, int d, ulong seed)
    {
        var stream = new RandomStream(seed);
        var data = new float[n * d];
        for (int k = 0; k < data.Length; k++) data[k] = (float)stream.NextNormal(0, 1) * (k % 97 == 0 ? 1e6f : 1f);
        return new GradientBatch(data.AsMemory(), n, d);
    }

    private static void AssertSameBits(float[] expected, float[] actual)
        => Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));

    private static void AssertSameBits(double[] expected, double[] actual)
        => Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));

    [Theory]
    [InlineData(7, 40_000)]
    [InlineData(33, 20_011)]
    public void Kernels_DescendingOrder_GiveTheAscendingBytes(int n, int d)
    {
        var input = Batch(n, d, (ulong)(n * 1000 + d));
        var weights = new double[n];
        for (int i = 0; i < n; i++) weights[i] = i % 3 == 0 ? 0 : 0.25 + i;
        foreach (int threads in (int[])[1, 2, 3])
        {
            ChunkThreads.With(threads, () =>
            {
                var up = new float[d];
                var down = new float[d];
                var combination = new RowCombination();
                combination.Compute(input, weights, 7.5, up);
                combination.Compute(input, weights, 7.5, down, ChunkOrder.Descending);
                AssertSameBits(up, down);

                var distances = new CombinationDistances();
                distances.Step(input, weights, 7.5);
                var squared = distances.Squared.AsSpan(0, n).ToArray();
                var point = distances.Point.ToArray();
                distances.Step(input, weights, 7.5, ChunkOrder.Descending);
                AssertSameBits(squared, distances.Squared.AsSpan(0, n).ToArray());
                AssertSameBits(point, distances.Point.ToArray());

                var network = SortingNetwork.Create(n, 0, n - 1);
                var kernel = new ColumnKernel<ClosestToMedianReducer>();
                kernel.Run(input, [], network, new ClosestToMedianReducer(n - 2), up);
                kernel.Run(input, [], network, new ClosestToMedianReducer(n - 2), down, ChunkOrder.Descending);
                AssertSameBits(up, down);

                // The mean kernel (AVX-512; elsewhere it is not used), unit weights and centered clipping's update, from a
                // misaligned start so that chunk 0 also takes the lead coordinates.
                if (MeanKernel.IsSupported)
                {
                    var shifted = new GradientBatch(input.Memory[3..^(d - 3)], n - 1, d);
                    var offsets = new long[n - 1];
                    var unit = new double[n - 1];
                    for (int i = 0; i < n - 1; i++) (offsets[i], unit[i]) = ((long)i * d, 1.0);
                    var center = new float[d];
                    for (int j = 0; j < d; j++) center[j] = 0.001f * (j % 13);
                    var mean = new MeanKernel();
                    mean.Run(shifted, offsets, unit, unit: true, n - 1, up);
                    mean.Run(shifted, offsets, unit, unit: true, n - 1, down, ChunkOrder.Descending);
                    AssertSameBits(up, down);
                    mean.RunCentered(shifted, offsets, weights.AsSpan(0, n - 1), 3.25, n - 1, center, up);
                    mean.RunCentered(shifted, offsets, weights.AsSpan(0, n - 1), 3.25, n - 1, center, down, order: ChunkOrder.Descending);
                    AssertSameBits(up, down);
                }

                // The whole batch (above ParallelCopy.ParallelFrom floats, so it runs in chunks).
                var all = new float[n * d];
                new ParallelCopy().Copy(input.Data, all, ChunkOrder.Descending);
                Assert.True(input.Data.SequenceEqual(all));
            });
        }
    }
}
