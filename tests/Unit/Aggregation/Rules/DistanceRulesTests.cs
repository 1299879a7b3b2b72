using SimByz.Aggregation;
using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation.Rules;

public class DistanceRulesTests
{
    // Krum scores, f = 1, n = 5 (hand-computed from the squared distances):
    // blanchard (2 nearest, summed): 0.05, 0.02, 0.05, 47.05, 121.04 → 0.1
    // byzfl (3 nearest, mean): 8.35, 8.01, 7.6967, … → 0.2
    private static readonly float[][] KrumCase = Scalars(0f, 0.1f, 0.2f, 5f, 10f);

    [Fact]
    public void Krum_Blanchard_PicksSmallestSumOfNMinusFMinus2Nearest()
    {
        var diagnostics = new AggregationDiagnostics();
        Assert.Equal(0.1f, Run("krum:f=1", KrumCase, diagnostics: diagnostics)[0]);
        Assert.True(diagnostics.Selected[1]);
        Assert.Equal(0.02, diagnostics.Scores[1], 5);
        Assert.Equal(47.05, diagnostics.Scores[3], 3);
    }

    [Fact]
    public void Krum_ByzFL_PicksSmallestMeanOfNMinusFMinus1Nearest()
    {
        var diagnostics = new AggregationDiagnostics();
        Assert.Equal(0.2f, Run("krum:f=1,variant=byzfl", KrumCase, diagnostics: diagnostics)[0]);
        Assert.Equal((0.04 + 0.01 + 23.04) / 3, diagnostics.Scores[2], 4);
    }

    [Fact]
    public void Krum_TiedScores_LowestIndexWins()
    {
        var diagnostics = new AggregationDiagnostics();
        Run("krum:f=1", Scalars(0f, 0f, 5f, 5f, 9f), diagnostics: diagnostics);
        Assert.True(diagnostics.Selected[2]);
        Assert.False(diagnostics.Selected[3]);
    }

    [Fact]
    public void Krum_NTooSmall_ThrowsToleranceError()
    {
        var e = Assert.Throws<SimByzException>(() => Run("krum:f=1", Scalars(1f, 2f, 3f, 4f)));
        Assert.Contains("n > 2f+2", e.Message);
    }

    [Fact]
    public void Krum_NaNRow_IsNeverChosen()
    {
        var output = Run("krum:f=1", Scalars(float.NaN, 1f, 1.1f, 0.9f, float.PositiveInfinity));
        Assert.Equal(1f, output[0]);
    }

    [Fact]
    public void MultiKrum_BlanchardDefaultM_AveragesTheNMinusFMinus2Best()
        => Assert.Equal(0.05f, Run("multi-krum:f=1", Scalars(0f, 0.1f, 0.3f, 5f, 10f))[0], 6);

    [Fact]
    public void MultiKrum_ByzFLDefaultM_AveragesTheNMinusFBest()
        => Assert.Equal(1.35f, Run("multi-krum:f=1,variant=byzfl", Scalars(0f, 0.1f, 0.3f, 5f, 10f))[0], 5);

    [Fact]
    public void MultiKrum_ExplicitM_Overrides()
        => Assert.Equal(0.1333333f, Run("multi-krum:f=1,m=3", Scalars(0f, 0.1f, 0.3f, 5f, 10f))[0], 5);

    [Fact]
    public void Bulyan_Flower_SelectsByIteratedKrumThenAveragesClosestToMedian()
    {
        var diagnostics = new AggregationDiagnostics();
        var output = Run("bulyan:f=1", Scalars(0f, 1f, 2f, 3f, 7f, 100f, -100f), diagnostics: diagnostics);
        Assert.Equal(2f, output[0]);
        Assert.Equal([true, true, true, true, true, false, false], diagnostics.Selected.ToArray());
    }

    [Fact]
    public void Bulyan_AggregaThor_SelectsNMinus2FMinus2()
    {
        var diagnostics = new AggregationDiagnostics();
        var output = Run("bulyan:f=1,variant=aggregathor", Scalars(0f, 1f, 2f, 3f, 7f, 100f, -100f), diagnostics: diagnostics);
        Assert.Equal(2f, output[0]);
        Assert.Equal([false, true, true, true, false, false, false], diagnostics.Selected.ToArray());
    }

    [Fact]
    public void Bulyan_TwoDimensions_SecondStageIsPerCoordinate()
    {
        // Selection keeps rows 0–4 (the two outliers are far in both coordinates); coordinate 1 holds
        // {0, 4, 1, 9, 3}: median 3, β = 3 closest: 3, 4, then 1 (dist 2) vs 9 → 1: mean 8/3.
        float[][] rows = [[0f, 0f], [1f, 4f], [2f, 1f], [3f, 9f], [7f, 3f], [100f, 100f], [-100f, -100f]];
        var output = Run("bulyan:f=1", rows);
        Assert.Equal(8f / 3f, output[1], 5);
    }

    [Fact]
    public void Bulyan_SecondStage_EqualValuesAtTheFarthestDistance_KeepsOnlyAsManyAsNeeded()
    {
        // Coordinate 0 makes the selection rows 0–4 (θ = 5, β = 3). Coordinate 1 of the selection is
        // {−1, −1, 0.5, 1, 3}: median 0.5, nearest 0.5 and 1, then one −1 (1.5 away) before 3 (2.5 away):
        // mean 1/6, not the −1/2 of keeping both −1. Coordinate 0: {0, 1, 2, 3, 7}, median 2, then 1
        // and 3 at distance 1: mean 2.
        float[][] rows = [[0f, -1f], [1f, -1f], [2f, 0.5f], [3f, 1f], [7f, 3f], [100f, 100f], [-100f, -100f]];
        var diagnostics = new AggregationDiagnostics();
        var output = Run("bulyan:f=1", rows, diagnostics: diagnostics);
        Assert.Equal([true, true, true, true, true, false, false], diagnostics.Selected.ToArray());
        Assert.Equal(2f, output[0]);
        Assert.Equal(1f / 6f, output[1], 6);
    }

    [Fact]
    public void Bulyan_NTooSmall_ThrowsToleranceError()
        => Assert.Throws<SimByzException>(() => Run("bulyan:f=1", Scalars(1f, 2f, 3f, 4f, 5f, 6f)));

    [Fact]
    public void GeometricMedian_ByzFL_MatchesByzFLDocumentedExample()
    {
        // LPD-EPFL/byzfl GeometricMedian docstring: nu = 0.1, T = 3 from zero.
        var diagnostics = new AggregationDiagnostics();
        var output = Run("geometric-median", [[1f, 2f, 3f], [4f, 5f, 6f], [7f, 8f, 9f]], diagnostics: diagnostics);
        Assert.Equal(3.78788764, output[0], 5);
        Assert.Equal(4.78788764, output[1], 5);
        Assert.Equal(5.78788764, output[2], 5);
        Assert.Equal(3, diagnostics.Iterations);
    }

    [Fact]
    public void GeometricMedian_Fedlib_SymmetricSquare_StopsAtTheCentreAfterOneIteration()
    {
        var diagnostics = new AggregationDiagnostics();
        var output = Run("geometric-median:variant=fedlib", [[0f, 0f], [2f, 0f], [0f, 2f], [2f, 2f]], diagnostics: diagnostics);
        Assert.Equal([1f, 1f], output);
        Assert.Equal(1, diagnostics.Iterations);
    }

    [Fact]
    public void GeometricMedian_FedlibOnALine_ConvergesToTheMedian()
        => Assert.Equal(1.0, Run("geometric-median:variant=fedlib", Scalars(0f, 1f, 10f))[0], 3);

    /// <summary>
    /// At the smallest ν accepted every weight and weighted sum stays finite: rows that sit exactly at an iterate
    /// (identical rows, a single row) get β = 1/ν = 1e250, and identical rows give that row, also with coordinates as
    /// large as a row can hold and stay finite (its squared norm must be finite in float32: |v| ≈ 1.3e19 here).
    /// With ν below about 1e-308, 1/ν was +∞ and the output NaN (the rejection test below).
    /// </summary>
    [Theory]
    [InlineData("geometric-median:nu=1e-250")]
    [InlineData("geometric-median:variant=fedlib,nu=1e-250")]
    [InlineData("geometric-median:nu=1e-250,iters=5")]
    public void GeometricMedian_SmallestNu_IdenticalRows_GiveThatRow(string spec)
    {
        float[] row = [3.5f, -2.25f, 1.3e19f, -1.3e19f, 0f];
        Assert.Equal(row, Run(spec, [row, row, row]));
        Assert.Equal(row, Run(spec, [row]));
    }

    [Theory]
    [InlineData("geometric-median:nu=1e-251")]
    [InlineData("geometric-median:nu=1e-320")]
    [InlineData("geometric-median:variant=fedlib,nu=5e-324")]
    public void GeometricMedian_NuBelowTheSmallest_IsRejectedByName(string spec)
    {
        var e = Assert.Throws<SimByzException>(() => Run(spec, Scalars(1f, 2f)));
        Assert.Contains("parameter 'nu=", e.Message, StringComparison.Ordinal);
        Assert.Contains("1E-250", e.Message, StringComparison.OrdinalIgnoreCase); // the bound is stated
    }

    [Fact]
    public void GeometricMedian_Fedlib_SatisfiesTheOptimalityCondition()
    {
        float[][] points = [[0f, 0f], [4f, 0f], [0f, 3f], [5f, 5f]];
        var z = Run("geometric-median:variant=fedlib,nu=1e-9,iters=100,eps=1e-12", points);
        double gx = 0, gy = 0;
        foreach (var p in points)
        {
            double dx = p[0] - z[0], dy = p[1] - z[1], norm = Math.Sqrt(dx * dx + dy * dy);
            gx += dx / norm;
            gy += dy / norm;
        }
        Assert.True(Math.Sqrt(gx * gx + gy * gy) < 1e-3, $"Σ unit vectors = ({gx}, {gy})");
    }

    [Fact]
    public void GeometricMedian_EpsWithByzFLVariant_IsRejected()
        => Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.Create("geometric-median:eps=0.1"));

    [Fact]
    public void GeometricMedian_NaNRow_IsExcluded()
    {
        var output = Run("geometric-median:variant=fedlib", Scalars(0f, 1f, float.NaN, 10f));
        Assert.Equal(1.0, output[0], 3);
    }

    [Fact]
    public void CenteredClipping_HandComputed_KeepsStateAcrossRoundsUntilReset()
    {
        var rule = AggregatorCatalog.BuiltIn.Create("cc:tau=1,iters=1");
        var rows = Scalars(0.5f, 3f, -2f);
        // v₁ = 0 + (0.5 + 3·(1/3) − 2·(1/2)) / 3 = 1/6.
        Assert.Equal(1.0 / 6, Run(rule, rows)[0], 6);
        // v₂ = v₁ + (1/3 + 1 − 1) / 3 = 1/6 + 1/9.
        Assert.Equal(1.0 / 6 + 1.0 / 9, Run(rule, rows)[0], 6);
        rule.Reset();
        Assert.Equal(1.0 / 6, Run(rule, rows)[0], 6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void CenteredClipping_ManyCoordinates_EveryRoundIsTheDocumentedUpdateAndTheOutputIsNotTheState(int iters)
    {
        // d = 2 chunks of the mean kernel + 223: whatever lead L (0–15 values before row 0's first 64-byte boundary) the
        // batch lands with, the last chunk's 223 − L values take 3 blocks of 64, one of 16 and a scalar tail of 1–15 (with
        // AVX-512, where the last iteration stores the state and the output in one pass; elsewhere the chunked update and
        // its copy). Each round's output is checked bit for bit against the formula; the same output array, filled with
        // 1e30 before each call, must be wholly rewritten, and the state must not be the caller's output.
        const int n = 7, d = 2 * 2048 + 223;
        var rule = AggregatorCatalog.BuiltIn.Create(FormattableString.Invariant($"cc:tau=30,iters={iters}"));
        var v = new float[d];
        var output = new float[d];
        for (int round = 0; round < 3; round++)
        {
            var rows = Normal(n, d, (ulong)(40 + round), mean: round, sd: 1 + round);
            rows[2][7] = float.NaN; // a non-finite row: cᵢ = 0, still counted in 1/n
            var batch = GradientBatch.FromRows(rows);
            for (int l = 0; l < iters; l++)
            {
                var distances = new SimByz.Aggregation.Rules.PointDistances();
                distances.Compute(batch, v);
                var c = new double[n];
                double cSum = 0;
                for (int i = 0; i < n; i++)
                {
                    double dist = Math.Sqrt(distances.Squared[i]);
                    c[i] = !double.IsFinite(dist) ? 0 : dist <= 30 ? 1 : 30 / dist;
                    cSum += c[i];
                }
                var next = new float[d];
                for (int j = 0; j < d; j++)
                {
                    double acc = 0;
                    for (int i = 0; i < n; i++)
                    {
                        if (c[i] != 0) acc += c[i] * rows[i][j];
                    }
                    next[j] = (float)(v[j] + (acc - cSum * v[j]) / n);
                }
                v = next;
            }
            Array.Fill(output, 1e30f);
            rule.Aggregate(batch, output, AggregationContext.None);
            for (int j = 0; j < d; j++) Assert.Equal(BitConverter.SingleToInt32Bits(v[j]), BitConverter.SingleToInt32Bits(output[j]));
        }
    }

    [Fact]
    public void CenteredClipping_NaNRow_ContributesNothing()
        => Assert.Equal(0.5 / 3, Run("cc:tau=1", Scalars(0.5f, float.NaN, 0f))[0], 6);

    [Fact]
    public void Mda_OutlierLeftOut_AveragesTheRest()
        => Assert.Equal(1.5f, Run("mda:f=1", Scalars(0f, 1f, 2f, 3f, 10f))[0]);

    [Fact]
    public void Mda_TiedDiameters_KeepsTheLexicographicallySmallestSubset()
        => Assert.Equal(1f, Run("mda:f=1", Scalars(0f, 1f, 2f, 3f))[0]);

    [Fact]
    public void Mda_TooManySubsets_IsRefused()
        => Assert.Throws<SimByzException>(() => Run("mda:f=12", Normal(60, 2, 1)));

    [Fact]
    public void Monna_PivotZero_AveragesItsNMinusFNearest()
        => Assert.Equal(-1f / 3f, Run("monna:f=2", Scalars(0f, 5f, 1f, -2f, 10f))[0], 6);

    [Fact]
    public void Monna_PivotOne_TiesGoToLowestIndex()
        => Assert.Equal(2f, Run("monna:f=2,idx=1", Scalars(0f, 5f, 1f, -2f, 10f))[0], 6);

    [Fact]
    public void Monna_PivotOutOfRange_ThrowsToleranceError()
        => Assert.Throws<SimByzException>(() => Run("monna:f=0,idx=3", Scalars(0f, 1f)));
}
