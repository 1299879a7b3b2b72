using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// <see cref="RowMixing"/> gives every output coordinate exactly (float)((Σ_k W[o,k]·v_k) / D[o]) — float64 products and
/// sums in index order, zero weights skipped — whichever order it visits outputs and coordinates in (one output after
/// the other for sparse weights, all outputs per sub-block for dense ones), on any number of threads; a denominator
/// of 1 (not divided by) gives what dividing by 1 gives, NaN and ±∞ included.
/// </summary>
[Collection(nameof(SimByz.Tests.Unit.Aggregation.ParallelAllocationTests))]
public class RowMixingTests
{
    public static TheoryData<int, int, int, string> Shapes() => new()
    {
        { 5, 3, 37, "diagonal" },           // clipping: one weight per output, d below one vector
        { 12, 12, 4099, "diagonal" },       // d not a multiple of 8, two chunks
        { 20, 10, 2 * 2048 + 130, "buckets" }, // two rows per output, denominators 2
        { 30, 7, 5000, "buckets" },
        { 9, 9, 300, "dense" },             // nearest-neighbour means: most weights non-zero
        { 40, 40, 2048 * 3, "dense" },
    };

    private static readonly RowMixing Reused = new();

    [Fact]
    public void Compute_NoOutputs_ReturnsWithoutError()
    {
        var mixing = new RowMixing();
        mixing.Prepare(0, 3);
        mixing.Compute(new GradientBatch(new float[3 * 4], 3, 4), []);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Compute_EveryOrderAndThreadCount_IsTheScalarSumBitForBit(int n, int m, int d, string kind)
    {
        var stream = new RandomStream((ulong)(n * 131 + m * 7 + d));
        var values = new float[n * d];
        for (int k = 0; k < values.Length; k++) values[k] = (float)stream.NextNormal(0, 1);
        // Non-finite and extreme values in a few rows (they reach only the outputs that weigh them).
        values[1 * d + d / 2] = float.NaN;
        values[(n - 1) * d] = float.PositiveInfinity;
        values[2 * d + d - 1] = -3e38f;
        values[(n / 2) * d + 1] = 1e-45f;
        var batch = new GradientBatch(values, n, d);
        var weights = new double[m * n];
        var denominators = new double[m];
        for (int o = 0; o < m; o++)
        {
            denominators[o] = kind == "buckets" ? 2 : o % 3 == 0 ? 1 : 1 + stream.NextInt(5);
            for (int k = 0; k < n; k++)
            {
                bool on = kind switch
                {
                    "diagonal" => k == o,
                    "buckets" => k / 2 == o || (k == 2 * o + 2 && o % 4 == 0),
                    _ => stream.NextInt(5) != 0,
                };
                if (on) weights[o * n + k] = o % 5 == 0 ? 1.0 : stream.NextNormal(0.5, 0.3);
            }
        }
        var expected = new float[m * d];
        for (int o = 0; o < m; o++)
        {
            for (int c = 0; c < d; c++)
            {
                double acc = 0;
                for (int k = 0; k < n; k++)
                {
                    if (weights[o * n + k] != 0) acc += weights[o * n + k] * values[k * d + c];
                }
                expected[o * d + c] = (float)(acc / denominators[o]);
            }
        }
        void Check(RowMixing mixing, string label)
        {
            mixing.Prepare(m, n);
            weights.CopyTo(mixing.Weights);
            denominators.CopyTo(mixing.Denominators);
            var destination = new float[m * d];
            mixing.Compute(batch, destination);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(destination[i]),
                    $"{kind}, {label}, output {i / d}, coordinate {i % d}: {expected[i]:R} expected, {destination[i]:R}");
            }
        }
        // One instance kept across calls of other shapes (larger, then smaller), as a pre-aggregator keeps it.
        Reused.Prepare(2 * m + 3, n + 5);
        Reused.Compute(new GradientBatch(new float[(n + 5) * 3], n + 5, 3), new float[(2 * m + 3) * 3]);
        Check(Reused, "reused instance");
        foreach (bool? sparse in (bool?[])[null, true, false])
        {
            foreach (int threads in (int[])[1, 3])
            {
                ChunkThreads.With(threads, () => Check(new RowMixing { SparseOverride = sparse }, $"sparse {sparse?.ToString() ?? "auto"}, {threads} threads"));
            }
        }
    }
}
