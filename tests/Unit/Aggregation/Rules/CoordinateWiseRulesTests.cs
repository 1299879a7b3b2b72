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
    [InlineData(new float[] { 0f, 1f, 2f }, 2, 0.5f)] // 0 and 2 equally far from 1: the lower first
    [InlineData(new float[] { 1f, 2f, 2f, 2f, 3f }, 4, 1.75f)]
    [InlineData(new float[] { -1f, -1f, 0f, 1f, 1f }, 3, -2f / 3f)]
    [InlineData(new float[] { -2f, -2f, -2f, 1f, 2f, 3f, 5f }, 5, 0.4f)] // median 1: 1, 2, 3, then two −2 (3 away) before 5 (4 away)
    public void MeanClosestToMedian_HandComputed(float[] sorted, int count, float expected)
        => Assert.Equal(expected, ColumnMath.MeanClosestToMedian(sorted, count), 5);

    [Theory]
    [InlineData(new float[] { 1f, float.PositiveInfinity, float.PositiveInfinity }, 2, float.PositiveInfinity)]
    [InlineData(new float[] { float.NegativeInfinity, float.NegativeInfinity, 5f }, 2, float.NegativeInfinity)]
    [InlineData(new float[] { float.NegativeInfinity, 0f, 1f, float.PositiveInfinity }, 2, 0.5f)]
    [InlineData(new float[] { float.NegativeInfinity, float.PositiveInfinity }, 1, float.NaN)]
    public void MeanClosestToMedian_InfiniteValues_FarthestFromAFiniteMedianElseTheMedian(float[] sorted, int count, float expected)
    {
        float actual = ColumnMath.MeanClosestToMedian(sorted, count);
        Assert.True(expected.Equals(actual), $"expected {expected}, got {actual}");
    }

    /// <summary>
    /// n = 15, f = 4: four colluding inputs send −0.307, exactly as far below the median 0.958 as the
    /// farthest value a window ending at 1.665, 2.015 or 2.075 keeps above it. The 11 values nearest the
    /// median are the 9 honest values from 0.870 up and two of the four −0.307 (mean ≈ 1.0520); a
    /// window chosen by its farthest member alone kept all four and dropped 2.015 and 2.075 (≈ 0.624).
    /// </summary>
    [Fact]
    public void MeaMed_ColludingEqualValuesAtTheFarthestKeptDistance_KeepsTheNearerHonestValues()
    {
        float[] column = [-1.747f, -0.895f, -0.307f, -0.307f, -0.307f, -0.307f, 0.870f, 0.958f, 1.023f, 1.049f, 1.082f, 1.449f, 1.665f, 2.015f, 2.075f];
        double expected = (0.870 + 0.958 + 1.023 + 1.049 + 1.082 + 1.449 + 1.665 + 2.015 + 2.075 - 2 * 0.307) / 11;
        // 9 coordinates, each the column in another row order (i ↦ a·i + 4j mod 15 with a prime to 15):
        // coordinates 0–7 take the vector path, 8 the scalar one.
        int[] multipliers = [1, 2, 4, 7, 8, 11, 13, 14, 1];
        var rows = new float[15][];
        for (int i = 0; i < 15; i++) rows[i] = [.. Enumerable.Range(0, 9).Select(j => column[(i * multipliers[j] + 4 * j) % 15])];
        var output = Run("meamed:f=4", rows);
        Assert.Equal(1.0520, expected, 4);
        for (int j = 0; j < 9; j++)
        {
            Assert.Equal(expected, output[j], 1e-5);
            Assert.Equal(output[0], output[j]);
        }
    }

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

    [Theory]
    [InlineData(5, 3)]
    [InlineData(8, 5)]
    [InlineData(9, 3)]
    [InlineData(15, 11)]
    [InlineData(16, 16)]
    public void ClosestToMedian_VectorPath_RepeatedAndInfiniteValues_MatchesScalarBitForBit(int n, int count)
    {
        // Columns drawn from a few values, sometimes infinite: equal distances below and above the
        // median, equal values straddling the window's ends, infinite medians.
        float[] palette = [-1f, 0f, 0.5f, 1f, 2f, float.NegativeInfinity, float.PositiveInfinity];
        var stream = new SimByz.Scheduler.RandomStream((ulong)(n * 131 + count));
        var lanes = new System.Runtime.Intrinsics.Vector256<float>[n];
        var columns = new float[8][];
        for (int block = 0; block < 64; block++)
        {
            int size = 2 + stream.NextInt(palette.Length - 1);
            for (int lane = 0; lane < 8; lane++)
            {
                columns[lane] = new float[n];
                for (int i = 0; i < n; i++) columns[lane][i] = palette[stream.NextInt(size)];
            }
            for (int i = 0; i < n; i++) lanes[i] = System.Runtime.Intrinsics.Vector256.Create(columns.Select(c => c[i]).ToArray());
            SortingNetwork.Create(n, 0, n - 1).Sort(lanes);
            var vector = new ClosestToMedianReducer(count).Reduce8(lanes);
            for (int lane = 0; lane < 8; lane++)
            {
                var sorted = columns[lane].OrderBy(x => x).ToArray();
                float scalar = ColumnMath.MeanClosestToMedian(sorted, count);
                float got = System.Runtime.Intrinsics.Vector256.GetElement(vector, lane);
                Assert.True(BitConverter.SingleToInt32Bits(scalar) == BitConverter.SingleToInt32Bits(got),
                    $"block {block} lane {lane} [{string.Join(", ", sorted)}]: scalar {scalar}, vector {got}");
            }
        }
    }

    /// <summary>
    /// Both vector paths against the scalar path on columns drawn from values of far-apart magnitudes: next to a huge
    /// median, the float64 distances of tiny values on the same side round to the same number, and values straddle the
    /// window's ends with ties and ±∞. Covers the kept-mask path (count ≥ m − count) and the counted path (count &lt; m − count).
    /// </summary>
    [Theory]
    [InlineData(20, 16)]
    [InlineData(20, 10)]
    [InlineData(20, 9)]
    [InlineData(13, 7)]
    [InlineData(12, 4)]
    [InlineData(100, 96)]
    [InlineData(100, 40)]
    [InlineData(3, 3)]
    public void ClosestToMedian_VectorPaths_FarApartMagnitudes_MatchScalarBitForBit(int n, int count)
    {
        float[] palette = [1e30f, 1e30f, 1e-30f, 2e-30f, -1e-30f, 0f, 3e30f, -1e30f, float.MaxValue, -float.MaxValue, 1f,
            float.PositiveInfinity, float.NegativeInfinity];
        var stream = new SimByz.Scheduler.RandomStream((ulong)(n * 977 + count));
        var narrow = new System.Runtime.Intrinsics.Vector256<float>[n];
        var wide = new System.Runtime.Intrinsics.Vector512<float>[n];
        var columns = new float[16][];
        var network = SortingNetwork.Create(n, 0, n - 1);
        for (int block = 0; block < 48; block++)
        {
            int size = 2 + stream.NextInt(palette.Length - 1);
            for (int lane = 0; lane < 16; lane++)
            {
                columns[lane] = new float[n];
                for (int i = 0; i < n; i++) columns[lane][i] = palette[stream.NextInt(size)];
            }
            for (int i = 0; i < n; i++)
            {
                wide[i] = System.Runtime.Intrinsics.Vector512.Create(columns.Select(c => c[i]).ToArray());
                narrow[i] = System.Runtime.Intrinsics.Vector512.GetLower(wide[i]);
            }
            network.Sort(wide);
            network.Sort(narrow);
            var sixteen = new ClosestToMedianReducer(count).Reduce16(wide);
            var eight = new ClosestToMedianReducer(count).Reduce8(narrow);
            for (int lane = 0; lane < 16; lane++)
            {
                var sorted = columns[lane].OrderBy(x => x).ToArray();
                int scalar = BitConverter.SingleToInt32Bits(ColumnMath.MeanClosestToMedian(sorted, count));
                Assert.True(scalar == BitConverter.SingleToInt32Bits(System.Runtime.Intrinsics.Vector512.GetElement(sixteen, lane)),
                    $"16 lanes, block {block} lane {lane} [{string.Join(", ", sorted)}]: scalar {BitConverter.Int32BitsToSingle(scalar)}, vector {System.Runtime.Intrinsics.Vector512.GetElement(sixteen, lane)}");
                if (lane < 8)
                {
                    Assert.True(scalar == BitConverter.SingleToInt32Bits(System.Runtime.Intrinsics.Vector256.GetElement(eight, lane)),
                        $"8 lanes, block {block} lane {lane} [{string.Join(", ", sorted)}]: scalar {BitConverter.Int32BitsToSingle(scalar)}, vector {System.Runtime.Intrinsics.Vector256.GetElement(eight, lane)}");
                }
            }
        }
    }

    /// <summary>
    /// Golden hashes of the output bytes on a batch mixing Gaussian columns, columns of a few repeated
    /// values, ±∞ and NaN (8-lane and scalar paths both run): the rules promise identical bytes on every
    /// machine and vector width (run this test with DOTNET_EnableHWIntrinsic=0 and DOTNET_EnableAVX2=0
    /// as well). A change here changes every trace recorded with these rules.
    /// </summary>
    [Theory]
    [InlineData("meamed:f=4", "F6CDD1E32CF87377")]
    [InlineData("bulyan:f=3", "3B985AD7E239DB11")]
    [InlineData("bulyan:f=3,variant=aggregathor", "C4C6ED4D0775D0D7")]
    public void ClosestToMedianRules_FixedInputs_MatchGoldenHash(string spec, string expected)
    {
        const int n = 17, d = 203;
        var rows = Normal(n, d, 2024);
        var stream = new SimByz.Scheduler.RandomStream(99);
        float[] palette = [-1.5f, -0.25f, 0f, 0.25f, 1f, 3f];
        for (int j = 0; j < d; j++)
        {
            if (j % 3 == 0) continue; // a third of the columns stay Gaussian
            for (int i = 0; i < n; i++) rows[i][j] = palette[stream.NextInt(j % 3 == 1 ? 3 : palette.Length)];
        }
        for (int k = 0; k < 24; k++) rows[stream.NextInt(n)][stream.NextInt(d)] = (k % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
        var output = Run(spec, rows);
        var bytes = new byte[output.Length * 4];
        Buffer.BlockCopy(output, 0, bytes, 0, bytes.Length);
        Assert.Equal(expected, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16]);
    }

    /// <summary>
    /// Every set of 16 coordinates comes out with exactly the bits it gets alone (a batch of those 16 columns only),
    /// whatever the chunk, the stage of the loads and the neighbouring sets, for batches of 20 rows and more:
    /// sets holding NaN (split into their 8-lane halves), ±∞, −0 and ties included.
    /// </summary>
    [Theory]
    [InlineData("median", 25)]
    [InlineData("median", 100)]
    [InlineData("trimmed-mean:b=4", 30)]
    [InlineData("meamed:f=4", 100)]
    [InlineData("meamed:f=4", 20)]
    [InlineData("meamed:f=3", 21)]
    [InlineData("trimmed-mean:b=4", 20)]
    public void EverySet_GetsTheBitsItGetsAlone(string spec, int n)
    {
        const int d = 2 * 256 + 40;
        var rows = Normal(n, d, (ulong)(n + 5));
        var stream = new SimByz.Scheduler.RandomStream(7);
        for (int j = 0; j < d; j += 5)
        {
            for (int i = 0; i < n; i++) rows[i][j] = (float)stream.NextInt(3) - 1f; // ties, +0
        }
        for (int k = 0; k < 12; k++) rows[stream.NextInt(n)][stream.NextInt(d)] = (k % 4) switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, _ => -0f };
        rows[3][16 * 5 + 9] = float.NaN; // one set of the first stage with a NaN in its upper half
        var whole = Run(spec, rows);
        for (int g = 0; g + 16 <= d; g += 16)
        {
            var slice = rows.Select(r => r[g..(g + 16)]).ToArray();
            var alone = Run(spec, slice);
            for (int c = 0; c < 16; c++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(alone[c]) == BitConverter.SingleToInt32Bits(whole[g + c]),
                    $"{spec}, n = {n}, coordinate {g + c}: alone {alone[c]}, in the batch {whole[g + c]}");
            }
        }
    }

    /// <summary>The column rules' prefetch distance: whole cache lines, 96 coordinates for few rows, down to 16 for many, about 4 096 floats asked for ahead.</summary>
    [Theory]
    [InlineData(1, 96)]
    [InlineData(20, 96)]
    [InlineData(42, 96)]
    [InlineData(43, 80)]
    [InlineData(64, 64)]
    [InlineData(100, 32)]
    [InlineData(128, 32)]
    [InlineData(129, 16)]
    [InlineData(1000, 16)]
    public void ColumnKernel_PrefetchDistance_ShrinksWithTheRowCount(int n, int expected)
    {
        int distance = ColumnKernel<ClosestToMedianReducer>.PrefetchDistance(n);
        Assert.Equal(expected, distance);
        Assert.Equal(0, distance % 16);
        Assert.True(distance == 16 || n * distance <= 4096, $"n = {n}: {n * distance} floats ahead");
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
