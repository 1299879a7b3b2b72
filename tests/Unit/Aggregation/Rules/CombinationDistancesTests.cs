using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// The one-pass Weiszfeld step (the geometric median's byzfl variant) forms exactly the point
/// <see cref="RowCombination"/> forms and exactly the distances <see cref="PointDistances"/> forms to it,
/// bit for bit, whatever the shape and the thread count.
/// </summary>
[Collection(nameof(ParallelAllocationTests))]
public class CombinationDistancesTests
{
    public static TheoryData<int, int, bool> Shapes => new()
    {
        { 1, 2 * 128 + 40, false },
        { 5, 2 * 128 + 45, false },                      // last sub-block not a multiple of 16, d not a multiple of 8
        { 20, 3 * CombinationDistances.PieceLength, false },
        { 37, 2 * CombinationDistances.PieceLength + 77, true },
        { 6, Blocking.ChunkLength + 300, false },        // two chunks: sub-block sums, then chunk sums
        { 9, 2 * Blocking.ChunkLength + 5 * 128, true },
        { 100, 3 * 128 + 16, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Step_FormsRowCombinationsPointAndPointDistancesToIt_BitForBit(int n, int d, bool unit)
    {
        var rows = Normal(n, d, (ulong)(31 * n + d), mean: 0.5);
        for (int t = 0; t < d; t += 7) rows[0][t] *= 1e4f;
        Spread(rows);
        var batch = GradientBatch.FromRows(rows);
        var random = new Random(n + d);
        var weights = new double[n];
        for (int i = 0; i < n; i++) weights[i] = unit ? 1 : random.NextDouble() * Math.Pow(10, random.Next(-3, 3));
        if (n > 2) weights[n / 2] = 0; // skipped, as in RowCombination
        double denominator = unit ? n : 0;
        if (!unit) foreach (double w in weights) denominator += w;

        var expectedPoint = new float[d];
        new RowCombination().Compute(batch, weights, denominator, expectedPoint);
        var expectedDistances = new PointDistances();
        expectedDistances.Compute(batch, expectedPoint);

        foreach (int threads in new[] { 1, 2, 4 })
        {
            ChunkThreads.With(threads, () =>
            {
                var step = new CombinationDistances();
                step.Step(batch, weights, denominator);
                Assert.Equal(Bits(expectedPoint), Bits(step.Point.ToArray()));
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expectedDistances.Squared[i]), BitConverter.DoubleToInt64Bits(step.Squared[i]));
                }
            });
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Norms_AreThePointDistancesToZero_AndTheScalarOrderWithinAChunk(int n, int d, bool unit)
    {
        _ = unit;
        var rows = Normal(n, d, (ulong)(17 * n + d));
        Spread(rows);
        var batch = GradientBatch.FromRows(rows);
        var zero = new float[d];
        var expected = new PointDistances();
        expected.Compute(batch, zero);
        var step = new CombinationDistances();
        step.Step(batch, Enumerable.Repeat(1.0, n).ToArray(), n); // a point first, so Norms must clear it
        step.Norms(batch);
        Assert.All(step.Point.ToArray(), v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v)));
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Squared[i]), BitConverter.DoubleToInt64Bits(step.Squared[i]));
            if (d <= Blocking.ChunkLength)
            {
                double scalar = 0;
                for (int s = 0; s < d; s += Blocking.SubBlock)
                {
                    double lanes = 0;
                    var f = new float[16];
                    int len = Math.Min(Blocking.SubBlock, d - s), blocks = len & ~15;
                    for (int t = 0; t < blocks; t++) f[t % 16] = MathF.FusedMultiplyAdd(rows[i][s + t], rows[i][s + t], f[t % 16]);
                    for (int k = 0; k < 8; k++) lanes += f[k] + f[k + 8];
                    for (int t = blocks; t < len; t++) lanes += rows[i][s + t] * rows[i][s + t];
                    scalar += lanes;
                }
                Assert.Equal(BitConverter.DoubleToInt64Bits(scalar), BitConverter.DoubleToInt64Bits(step.Squared[i]));
            }
        }
    }

    [Fact]
    public void Step_NonFiniteRowOfWeightZero_StaysOutOfThePointButGetsItsOwnNonFiniteDistance()
    {
        var rows = Normal(6, 300, 3);
        rows[2][17] = float.NaN;
        rows[4][200] = float.PositiveInfinity;
        var batch = GradientBatch.FromRows(rows);
        var weights = new[] { 1.0, 2.0, 0.0, 0.5, 0.0, 1.0 };
        var step = new CombinationDistances();
        step.Step(batch, weights, 4.5);
        Assert.All(step.Point.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.True(double.IsNaN(step.Squared[2]));
        Assert.Equal(double.PositiveInfinity, step.Squared[4]);
        for (int i = 0; i < 6; i++)
        {
            if (i != 2 && i != 4) Assert.True(double.IsFinite(step.Squared[i]) && step.Squared[i] > 0);
        }
    }

    /// <summary>
    /// The geometric median's byzfl variant is the direct Weiszfeld iteration written with the two tested building blocks
    /// (RowCombination for each float32 iterate, PointDistances for the distances to it): z₀ = 0, T steps,
    /// β = 1/max(ν, ‖vᵢ − z‖), non-finite rows at weight 0; output, diagnostics' weights and scores (distances to the
    /// output) equal bit for bit. One rule instance serves every shape in turn (large, then smaller), as in a sweep.
    /// </summary>
    [Fact]
    public void ByzflGeometricMedian_IsTheDirectWeiszfeldOfTheBuildingBlocks_ForEveryShapeInTurn()
    {
        var rule = AggregatorCatalog.BuiltIn.Create("geometric-median:iters=3", new AggregatorBuildContext(1, -1));
        foreach (var (n, d, nanRow) in new[] { (37, Blocking.ChunkLength + 300, 4), (20, 3 * CombinationDistances.PieceLength + 16, 1), (7, 2 * 128 + 45, -1), (1, 300, -1) })
        {
            var rows = Normal(n, d, (ulong)(n * 13 + d), mean: 0.3);
            Spread(rows);
            if (nanRow >= 0) rows[nanRow][d / 2] = float.NaN;
            var batch = GradientBatch.FromRows(rows);

            var (expected, weights, scores) = ReferenceWeiszfeld(batch, iters: 3, nu: 0.1);
            var diagnostics = new AggregationDiagnostics();
            var output = new float[d];
            rule.Aggregate(batch, output, AggregationContext.None, diagnostics);
            Assert.Equal(Bits(expected), Bits(output));
            Assert.Equal(3, diagnostics.Iterations);
            Assert.Equal(nanRow >= 0 ? 1 : 0, diagnostics.NonFiniteRows);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(weights[i]), BitConverter.DoubleToInt64Bits(diagnostics.Weights[i]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(scores[i]), BitConverter.DoubleToInt64Bits(diagnostics.Scores[i]));
            }
            Assert.Equal(Bits(expected), Bits(Run(rule, rows))); // and without diagnostics
        }
    }

    private static (float[] Output, double[] Weights, double[] Scores) ReferenceWeiszfeld(GradientBatch batch, int iters, double nu)
    {
        int n = batch.Count, d = batch.Dimension;
        var distances = new PointDistances();
        var combination = new RowCombination();
        distances.Compute(batch, new float[d]);
        var finite = distances.Squared.Take(n).Select(double.IsFinite).ToArray();
        var beta = new double[n];
        double betaSum = 0;
        var z = new float[d];
        for (int t = 0; t < iters; t++)
        {
            if (t > 0)
            {
                combination.Compute(batch, beta, betaSum, z);
                distances.Compute(batch, z);
            }
            betaSum = 0;
            for (int i = 0; i < n; i++)
            {
                double dist = Math.Sqrt(distances.Squared[i]);
                beta[i] = finite[i] && double.IsFinite(dist) ? 1.0 / Math.Max(nu, dist) : 0;
                betaSum += beta[i];
            }
        }
        var output = new float[d];
        combination.Compute(batch, beta, betaSum, output);
        distances.Compute(batch, output);
        var weights = beta.Select(b => b / betaSum).ToArray();
        var scores = Enumerable.Range(0, n).Select(i => finite[i] ? Math.Sqrt(distances.Squared[i]) : double.PositiveInfinity).ToArray();
        return (output, weights, scores);
    }

    /// <summary>
    /// One huge coordinate per row (its square ≈ 10¹⁹, ulp 2048) in the first sub-block: then the float64 sums round
    /// and their grouping (sub-blocks into chunks, chunks into the total) shows in the bits; without it every partial
    /// sum of 24-bit lane sums is exact and any grouping passes.
    /// </summary>
    private static void Spread(float[][] rows)
    {
        for (int i = 0; i < rows.Length; i++) rows[i][i % 16] = (i % 2 == 0 ? 3.1e9f : -2.7e9f) * (1 + i);
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
