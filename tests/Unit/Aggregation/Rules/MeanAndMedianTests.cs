using System.Runtime.Intrinsics;
using SimByz.Aggregation.Rules;
using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation.Rules;

public class MeanAndMedianTests
{
    // The talk's toy example: honest {−0.3, 1, 2, 3, 4}, the attacker replaces 3 and 4 by −0.9.
    private static readonly float[][] Toy = Scalars(-0.3f, 1f, 2f, -0.9f, -0.9f);

    [Fact]
    public void Median_TalkToyExample_IsMinus0Point3()
        => Assert.Equal(-0.3f, Run("median", Toy)[0]);

    [Fact]
    public void Mean_TalkToyExample_Is0Point18()
        => Assert.Equal(0.18, Run("mean", Toy)[0], 6);

    [Fact]
    public void Median_EvenCount_AveragesTheTwoMiddleValues()
        => Assert.Equal(2.5f, Run("median", Scalars(10f, 1f, 3f, 2f))[0]);

    [Fact]
    public void Median_NaNValues_AreDroppedPerCoordinate()
    {
        Assert.Equal(2f, Run("median", Scalars(1f, float.NaN, 3f))[0]);
        Assert.Equal(0f, Run("median", Scalars(float.NaN, float.NaN))[0]);
        Assert.Equal(4f, Run("median", Scalars(float.PositiveInfinity, 3f, -1f, 5f, float.NaN))[0]); // {−1, 3, 5, ∞}
    }

    [Fact]
    public void Mean_NaNRow_Propagates()
        => Assert.True(float.IsNaN(Run("mean", Scalars(1f, float.NaN, 3f))[0]));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(33)]
    public void Median_RandomInputsWithSomeNaN_MatchesSortingEachColumn(int n)
    {
        var rows = Normal(n, 43, (ulong)n);
        rows[0][3] = float.NaN; // forces the scalar path for one 8-block
        rows[n - 1][40] = float.NaN; // and in the tail
        var output = Run("median", rows);
        for (int j = 0; j < 43; j++)
        {
            var column = rows.Select(r => r[j]).Where(x => !float.IsNaN(x)).OrderBy(x => x).ToArray();
            float expected = column.Length == 0 ? 0f : column.Length % 2 == 1
                ? column[column.Length / 2]
                : (float)(((double)column[column.Length / 2 - 1] + column[column.Length / 2]) / 2);
            Assert.Equal(expected, output[j]);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(100)]
    public void SortingNetwork_FullRange_SortsEveryLane(int n)
    {
        var network = SortingNetwork.Create(n, 0, n - 1);
        var rows = Normal(n, 8, 99);
        var lanes = new Vector256<float>[n];
        for (int i = 0; i < n; i++) lanes[i] = Vector256.Create(rows[i]);
        network.Sort(lanes);
        for (int lane = 0; lane < 8; lane++)
        {
            var expected = rows.Select(r => r[lane]).OrderBy(x => x).ToArray();
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], lanes[i].GetElement(lane));
        }
    }

    [Fact]
    public void SortingNetwork_MedianOnly_IsPrunedBelowTheFullNetwork()
        => Assert.True(SortingNetwork.Create(20, 9, 10).ComparatorCount < SortingNetwork.Create(20, 0, 19).ComparatorCount);
}
