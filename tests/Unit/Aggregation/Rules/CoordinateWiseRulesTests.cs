using SimByz.Aggregation.Rules;
using SimByz;
using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation.Rules;

public class CoordinateWiseRulesTests
{
    [Fact]
    public void TrimmedMean_OneTrimmedPerSide_AveragesTheMiddle()
        => Assert.Equal(3f, Run("trimmed-mean:b=1", Scalars(100f, 2f, 1f, 4f, 3f))[0]);

    [Fact]
    public void TrimmedMean_NoB_UsesTheDeclaredQ()
        => Assert.Equal(3f, Run("trimmed-mean", Scalars(100f, 2f, 1f, 4f, 3f), q: 1)[0]);

    [Fact]
    public void TrimmedMean_NoBAndNoDeclaredQ_Throws()
        => Assert.Throws<SimByzException>(() => Run("trimmed-mean", Scalars(1f, 2f, 3f)));

    [Fact]
    public void TrimmedMean_NotMoreThanTwoB_ThrowsToleranceError()
    {
        var e = Assert.Throws<SimByzException>(() => Run("trimmed-mean:b=2", Scalars(1f, 2f, 3f, 4f)));
        Assert.Contains("n > 2b", e.Message);
    }

    [Fact]
    public void TrimmedMean_NaNValues_AreDroppedAndTrimmingShrinks()
    {
        // m = 4 values left, t = min(1, 1) = 1: mean of {2, 3}.
        Assert.Equal(2.5f, Run("trimmed-mean:b=1", Scalars(1f, float.NaN, 2f, 3f, 50f))[0]);
        // m = 2 values left, b = 2: t = min(2, 0) = 0.
        Assert.Equal(2f, Run("trimmed-mean:b=2", Scalars(float.NaN, 1f, float.NaN, 3f, float.NaN))[0]);
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(20, 4)]
    [InlineData(21, 0)]
    public void TrimmedMean_RandomInputs_MatchesReferenceWithinRounding(int n, int b)
    {
        var rows = Normal(n, 37, 7);
        var output = Run($"trimmed-mean:b={b}", rows);
        for (int j = 0; j < 37; j++)
        {
            var sorted = rows.Select(r => (double)r[j]).OrderBy(x => x).ToArray();
            double expected = sorted.Skip(b).Take(n - 2 * b).Average();
            Assert.True(Math.Abs(expected - output[j]) < 1e-6, $"{j}: {expected} vs {output[j]}");
        }
    }

    [Theory]
    [InlineData(new float[] { 0f, 1f, 2f, 3f, 10f }, 3, 2f)]
    [InlineData(new float[] { 0f, 1.5f, 2f, 2.2f, 10f }, 2, 2.1f)]
    [InlineData(new float[] { 0f, 1f, 3f, 10f }, 2, 2f)]
    [InlineData(new float[] { 0f, 1f, 3f, 4f }, 3, 4f / 3f)]
    public void MeanClosestToMedian_HandComputed(float[] sorted, int count, float expected)
        => Assert.Equal(expected, ColumnMath.MeanClosestToMedian(sorted, count), 5);

    [Fact]
    public void MeaMed_OneByzantine_AveragesTheFourClosestToTheMedian()
        => Assert.Equal(1.5f, Run("meamed:f=1", Scalars(100f, 0f, 3f, 1f, 2f))[0]);

    [Fact]
    public void MeaMed_RandomInputs_VectorAndScalarPathsAgree()
    {
        // 27 coordinates: three 8-blocks through the vector path, a tail of 3 through the scalar path.
        var rows = Normal(9, 27, 3);
        var output = Run("meamed:f=2", rows);
        for (int j = 0; j < 27; j++)
        {
            var sorted = rows.Select(r => r[j]).OrderBy(x => x).ToArray();
            Assert.Equal(ColumnMath.MeanClosestToMedian(sorted, 7), output[j]);
        }
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(12, 4)]
    [InlineData(20, 16)]
    [InlineData(7, 7)]
    public void ClosestToMedian_VectorPath_MatchesScalarBitForBit(int n, int count)
    {
        var rows = Normal(n, 8, (ulong)(n * 31 + count));
        rows[0][2] = rows[1][2]; // ties inside a column
        var lanes = new System.Runtime.Intrinsics.Vector256<float>[n];
        for (int i = 0; i < n; i++) lanes[i] = System.Runtime.Intrinsics.Vector256.Create(rows[i]);
        SortingNetwork.Create(n, 0, n - 1).Sort(lanes);
        var vector = new ClosestToMedianReducer(count).Reduce8(lanes);
        for (int lane = 0; lane < 8; lane++)
        {
            var sorted = rows.Select(r => r[lane]).OrderBy(x => x).ToArray();
            Assert.Equal(ColumnMath.MeanClosestToMedian(sorted, count), System.Runtime.Intrinsics.Vector256.GetElement(vector, lane));
        }
    }

    [Fact]
    public void SignMajority_HandComputed_VotesPerCoordinate()
    {
        float[][] rows = [[1f, -2f, 3f], [-1f, -1f, 0f], [0.5f, float.NaN, -1f]];
        Assert.Equal([1f, -1f, 0f], Run("sign-majority", rows));
    }

    [Fact]
    public void SignMajority_RandomInputs_VectorPathMatchesCounting()
    {
        var rows = Normal(6, 29, 11);
        var output = Run("sign-majority", rows);
        for (int j = 0; j < 29; j++)
        {
            int votes = rows.Sum(r => Math.Sign(r[j]));
            Assert.Equal((float)Math.Sign(votes), output[j]);
        }
    }
}
