using System.Runtime.Intrinsics;
using SimByz.Aggregation.Rules;
using SimByz.Tests.Shared;
using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// The vector kernels compute exactly the documented scalar order (what a machine without SIMD, or
/// with other vector widths, computes too): checked bit for bit against plain scalar code.
/// </summary>
public class DocumentedOrderTests
{
    /// <summary>The documented order in scalar code (<see cref="DocumentedDistanceOrder"/>), over one sub-block.</summary>
    private static double ScalarSquaredDistance(float[] a, float[] b) => DocumentedDistanceOrder.SquaredDistance(a, b);

    [Theory]
    [InlineData(128)]
    [InlineData(77)]
    [InlineData(5)]
    public void LaneKernels_SquaredDistance_IsTheDocumentedScalarOrder(int length)
    {
        var rows = Normal(5, length, (ulong)length);
        Assert.Equal(ScalarSquaredDistance(rows[0], rows[1]), LaneKernels.SquaredDistance(rows[0], rows[1]));
        Assert.Equal(ScalarSquaredDistance(rows[0], new float[length]), LaneKernels.SquaredNorm(rows[0]));
        // The four-row kernel the distances to a point call: rows 1..4 laid out with a stride, as in a batch.
        var strided = rows.Skip(1).SelectMany(r => r).ToArray();
        var four = new double[4];
        LaneKernels.SquaredDistance4(ref rows[0][0], ref strided[0], length, length, ref four[0]);
        for (int k = 0; k < 4; k++) Assert.Equal(ScalarSquaredDistance(rows[0], rows[k + 1]), four[k]);
    }

    [Theory]
    [InlineData(128, 1.0)]
    [InlineData(77, 1e-20)]
    [InlineData(13, 1e30)]
    public void LaneKernels_SquaredDistance2x4_IsTheDocumentedScalarOrderForEveryPair(int length, double scale)
    {
        // Rows 0 and 1 against rows 2..5 (strided as in a batch); rows 2.. mix magnitudes so that the
        // subtractions round (and at 1e30 the squares overflow to +∞), where a square not fused with its
        // addition, or lanes folded in another order, would show.
        var rows = Normal(6, length, (ulong)length + 7);
        for (int i = 0; i < 6; i++)
        {
            for (int t = 0; t < length; t++) rows[i][t] = (float)(rows[i][t] * (i % 2 == 0 ? scale : 1.0 / 3.0 + t));
        }
        var strided = rows.Skip(2).SelectMany(r => r).ToArray();
        var first = new double[4];
        var second = new double[4];
        LaneKernels.SquaredDistance2x4(ref rows[0][0], ref rows[1][0], ref strided[0], length, length, ref first[0], ref second[0]);
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(ScalarSquaredDistance(rows[0], rows[k + 2]), first[k]);
            Assert.Equal(ScalarSquaredDistance(rows[1], rows[k + 2]), second[k]);
        }
    }

    /// <summary>The 8 folded float32 lanes of the documented order for one pair (b = null: a's norm).</summary>
    private static float[] ScalarFoldedLanes(float[] a, float[]? b, int start, int blocks)
    {
        var lanes = new float[16];
        for (int t = 0; t < blocks; t++)
        {
            float diff = b is null ? a[start + t] : a[start + t] - b[start + t];
            lanes[t % 16] = MathF.FusedMultiplyAdd(diff, diff, lanes[t % 16]);
        }
        var folded = new float[8];
        for (int k = 0; k < 8; k++) folded[k] = lanes[k] + lanes[k + 8];
        return folded;
    }

    private static void AssertLanes(float[] expected, Vector256<float> actual, string what)
    {
        for (int k = 0; k < 8; k++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[k]) == BitConverter.SingleToInt32Bits(actual.GetElement(k)),
                $"{what}, lane {k}: expected {expected[k]:R}, got {actual.GetElement(k):R}");
        }
    }

    [Theory]
    [InlineData(16, 1.0)]
    [InlineData(64, 1e-20)]
    [InlineData(128, 1e19)]
    [InlineData(128, 1.0)]
    public void LaneKernels_WideAndHalvesPaths_GiveTheScalarFoldedLanes(int blocks, double scale)
    {
        // Both implementations of every lane kernel are called directly, whatever this machine runs: the
        // 512-bit one (AVX-512; software Vector512 elsewhere) and the two-256-bit-halves one (what runs
        // without AVX-512). Rows mix magnitudes so that differences, fused additions and the fold round;
        // at 1e-20 the squares are subnormal or zero, at 1e19 some overflow to +∞.
        const int rowsCount = 6, start = 3, stride = 150;
        var rows = Normal(rowsCount, stride, (ulong)(blocks * 31 + (int)Math.Log10(scale) + 40));
        for (int i = 0; i < rowsCount; i++)
        {
            for (int t = 0; t < stride; t++) rows[i][t] = (float)(rows[i][t] * (i % 2 == 0 ? scale : 1.0 / 3.0 + t));
        }
        var strided = rows.SelectMany(r => r).ToArray();
        ref float Row(int i) => ref strided[i * stride + start];

        foreach (bool zero in new[] { false, true })
        {
            float[] expected = ScalarFoldedLanes(rows[1], zero ? null : rows[0], start, blocks);
            AssertLanes(expected, LaneKernels.PairLanesWide(ref Row(0), zero, ref Row(1), blocks), $"PairLanesWide zero={zero}");
            AssertLanes(expected, LaneKernels.PairLanesHalves(ref Row(0), zero, ref Row(1), blocks), $"PairLanesHalves zero={zero}");
            var wide = LaneKernels.FourWide(ref Row(0), zero, ref Row(1), stride, blocks);
            var halves = LaneKernels.FourHalves(ref Row(0), zero, ref Row(1), stride, blocks);
            var wideLanes = new[] { wide.C0, wide.C1, wide.C2, wide.C3 };
            var halvesLanes = new[] { halves.C0, halves.C1, halves.C2, halves.C3 };
            for (int k = 0; k < 4; k++)
            {
                float[] e = ScalarFoldedLanes(rows[k + 1], zero ? null : rows[0], start, blocks);
                AssertLanes(e, wideLanes[k], $"FourWide zero={zero} row {k}");
                AssertLanes(e, halvesLanes[k], $"FourHalves zero={zero} row {k}");
            }
        }

        // Four arbitrary pairs: (0,5), (2,1), (4,3), (1,1).
        int[] pa = [0, 2, 4, 1], pb = [5, 1, 3, 1];
        var p4w = LaneKernels.Pairs4Wide(ref Row(0), ref Row(5), ref Row(2), ref Row(1), ref Row(4), ref Row(3), ref Row(1), ref Row(1), blocks);
        var p4h = LaneKernels.Pairs4Halves(ref Row(0), ref Row(5), ref Row(2), ref Row(1), ref Row(4), ref Row(3), ref Row(1), ref Row(1), blocks);
        var p4wLanes = new[] { p4w.C0, p4w.C1, p4w.C2, p4w.C3 };
        var p4hLanes = new[] { p4h.C0, p4h.C1, p4h.C2, p4h.C3 };
        for (int k = 0; k < 4; k++)
        {
            float[] e = ScalarFoldedLanes(rows[pa[k]], rows[pb[k]], start, blocks);
            AssertLanes(e, p4wLanes[k], $"Pairs4Wide pair {k}");
            AssertLanes(e, p4hLanes[k], $"Pairs4Halves pair {k}");
        }

        // The 2×4 tile: rows 0 and 1 against rows 2…5.
        var tw = LaneKernels.Tile2x4Wide(ref Row(0), ref Row(1), ref Row(2), stride, blocks);
        var th = LaneKernels.Tile2x4Halves(ref Row(0), ref Row(1), ref Row(2), stride, blocks);
        var twLanes = new[] { tw.C00, tw.C01, tw.C02, tw.C03, tw.C10, tw.C11, tw.C12, tw.C13 };
        var thLanes = new[] { th.C00, th.C01, th.C02, th.C03, th.C10, th.C11, th.C12, th.C13 };
        for (int k = 0; k < 8; k++)
        {
            float[] e = ScalarFoldedLanes(rows[k / 4], rows[2 + k % 4], start, blocks);
            AssertLanes(e, twLanes[k], $"Tile2x4Wide entry {k}");
            AssertLanes(e, thLanes[k], $"Tile2x4Halves entry {k}");
        }

        // The 4×4 tile (512-bit form; without AVX-512 it is two 2×4 tiles, above): rows 0…3 against rows 2…5, overlapping
        // rows included (a pair of a row with itself is all zeros).
        var t4 = new float[4][];
        for (int r = 0; r < 4; r++) t4[r] = new float[32];
        LaneKernels.Lanes4x4Wide(ref Row(0), ref Row(2), stride, blocks, ref t4[0][0], ref t4[1][0], ref t4[2][0], ref t4[3][0]);
        for (int r = 0; r < 4; r++)
        {
            for (int k = 0; k < 4; k++)
            {
                AssertLanes(ScalarFoldedLanes(rows[r], rows[2 + k], start, blocks), Vector256.Create<float>(t4[r].AsSpan(8 * k, 8)), $"Lanes4x4Wide ({r}, {2 + k})");
            }
        }

        // A quad's six pairs among its rows 1…4 and their norms, in both forms.
        foreach (bool norms in new[] { true, false })
        {
            foreach (bool halves in new[] { false, true })
            {
                float[] l0 = new float[24], l1 = new float[16], l2 = new float[8], nl = new float[32];
                if (halves) LaneKernels.LanesQuadHalves(ref Row(1), stride, blocks, ref l0[0], ref l1[0], ref l2[0], norms, ref nl[0]);
                else LaneKernels.LanesQuadWide(ref Row(1), stride, blocks, ref l0[0], ref l1[0], ref l2[0], norms, ref nl[0]);
                string what = $"LanesQuad{(halves ? "Halves" : "Wide")} norms={norms}";
                float[][] pairLanes = [l0, l1, l2];
                for (int r = 0; r < 3; r++)
                {
                    for (int k = r + 1; k < 4; k++)
                    {
                        AssertLanes(ScalarFoldedLanes(rows[1 + r], rows[1 + k], start, blocks), Vector256.Create<float>(pairLanes[r].AsSpan(8 * (k - r - 1), 8)),
                            $"{what} pair ({1 + r}, {1 + k})");
                    }
                }
                for (int r = 0; r < 4; r++)
                {
                    var expected = norms ? ScalarFoldedLanes(rows[1 + r], null, start, blocks) : new float[8];
                    AssertLanes(expected, Vector256.Create<float>(nl.AsSpan(8 * r, 8)), $"{what} norm {1 + r}");
                }
            }
        }
    }

    [Theory]
    [InlineData(9)]
    [InlineData(12)]
    public void PairwiseDistances_EveryPairIsTheScalarOrder_WhateverTheTiling(int n)
    {
        // n = 9 and 12: the 2×4 tiles, their single-row remainders and the odd last row all occur.
        int d = Blocking.SubBlock + 45;
        var rows = Normal(n, d, (ulong)n);
        var distances = new PairwiseDistances();
        distances.Compute(SimByz.Aggregation.GradientBatch.FromRows(rows));
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double expected = ScalarSquaredDistance(rows[i][..Blocking.SubBlock], rows[j][..Blocking.SubBlock])
                    + ScalarSquaredDistance(rows[i][Blocking.SubBlock..], rows[j][Blocking.SubBlock..]);
                Assert.Equal(expected, distances[i, j]);
                Assert.Equal(expected, distances[j, i]);
            }
        }
    }

    /// <summary>Σ over sub-blocks (left to right) of the scalar order, in float64: the documented sum for one chunk.</summary>
    private static double ScalarBlocked(float[] a, float[] b) => DocumentedDistanceOrder.Blocked(a, b, Blocking.SubBlock);

    [Theory]
    [InlineData(1, 2 * 128 + 40)]
    [InlineData(2, 2 * 128 + 45)]
    [InlineData(3, 128)]
    [InlineData(5, 2 * 128 + 40)]
    [InlineData(7, 2 * 128 + 45)]
    [InlineData(8, 16)]
    [InlineData(11, 2 * 128 + 40)]
    [InlineData(13, 2 * 128 + 45)]
    [InlineData(20, 2 * 128 + 40)]
    [InlineData(20, 2 * 128 + 48)]
    [InlineData(37, 2 * 128 + 45)]
    [InlineData(4, 2 * 128 + 48)]
    [InlineData(6, 128)]
    [InlineData(9, 2 * 128 + 48)]
    [InlineData(16, 128)]
    [InlineData(18, 2 * 128 + 48)]
    [InlineData(19, 128)]
    [InlineData(23, 2 * 128 + 40)]
    [InlineData(100, 2 * 128 + 40)]
    [InlineData(101, 128)]
    [InlineData(130, 2 * 128 + 40)]
    public void PairwiseDistances_LanesThenBatchedSums_AreTheScalarOrderForEveryPairAndNorm(int n, int d)
    {
        // Full sub-blocks and a last sub-block of a multiple of 16 values (d = 2·128 + 48, and 16) take the
        // lane-storing kernels and the transposed sums (AddLaneSums); a last sub-block with a tail (40 =
        // 32 + 8, 45) takes the direct kernels.
        // Magnitudes are mixed so that subtractions and sums round, and one row overflows (+∞). Up to
        // PairwiseDistances.PrefetchRows rows (128) the next sub-block is prefetched; above it (130) none is.
        // At 100 and 130 rows one sub-block's rows (50 and 65 KB) no longer fit in L1 together.
        var rows = Normal(n, d, (ulong)(n * 1000 + d));
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < d; t++) rows[i][t] = (float)(rows[i][t] * (i % 3 == 0 ? 1e-3 : 1.0 + t % 7));
        }
        if (n > 4) rows[4][3] = 3e38f;
        var distances = new PairwiseDistances();
        distances.Compute(SimByz.Aggregation.GradientBatch.FromRows(rows));
        var zero = new float[d];
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(ScalarBlocked(rows[i], zero)), BitConverter.DoubleToInt64Bits(distances.SquaredNorms[i]));
            for (int j = i + 1; j < n; j++)
            {
                double expected = distances.NonFinite[i] || distances.NonFinite[j] ? double.PositiveInfinity : ScalarBlocked(rows[i], rows[j]);
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(distances[i, j]));
                Assert.Equal(distances[i, j], distances[j, i]);
            }
        }
        Assert.Equal(n > 4, distances.NonFinite[Math.Min(4, n - 1)] && n > 4);
    }

    [Theory]
    [InlineData(20, 2 * 128 + 40)]
    [InlineData(13, 2 * 128 + 45)]
    [InlineData(100, 3 * 128)]
    [InlineData(22, 2 * 128 + 48)]
    [InlineData(9, 128)]
    public void PairwiseDistances_CutIntoPartsPerChunk_GivesTheSameBitsForEveryCut(int n, int d)
    {
        var rows = Normal(n, d, (ulong)(n + d));
        var batch = SimByz.Aggregation.GradientBatch.FromRows(rows);
        var whole = new PairwiseDistances { PartsOverride = 1 };
        whole.Compute(batch);
        foreach (int parts in new[] { 2, 3, 5, 7 })
        {
            var cut = new PairwiseDistances { PartsOverride = parts };
            cut.Compute(batch);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(whole.SquaredNorms[i]), BitConverter.DoubleToInt64Bits(cut.SquaredNorms[i]));
                for (int j = 0; j < n; j++) Assert.Equal(BitConverter.DoubleToInt64Bits(whole[i, j]), BitConverter.DoubleToInt64Bits(cut[i, j]));
            }
        }
        Assert.Equal(BitConverter.DoubleToInt64Bits(ScalarBlocked(rows[n - 2], rows[n - 1])), BitConverter.DoubleToInt64Bits(whole[n - 2, n - 1]));
    }

    [Theory]
    [InlineData(1, 2 * 128 + 40)]
    [InlineData(6, 2 * 128 + 45)]
    [InlineData(9, 2 * 128 + 40)]
    [InlineData(20, 128)]
    public void PointDistances_LanesThenBatchedSums_AreTheScalarOrderForEveryRow(int n, int d)
    {
        var rows = Normal(n + 1, d, (ulong)(n * 7 + d));
        for (int t = 0; t < d; t++) rows[n][t] *= 1e3f;
        var batch = SimByz.Aggregation.GradientBatch.FromRows(rows[..n]);
        var distances = new PointDistances();
        distances.Compute(batch, rows[n]);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(ScalarBlocked(rows[i], rows[n])), BitConverter.DoubleToInt64Bits(distances.Squared[i]));
        }
    }

    [Fact]
    public void AddLaneSums_IsEachEntrysSequentialLaneSum()
    {
        // 19 entries: two transposed groups of 8 and 3 one at a time; lanes span magnitudes so that the
        // float64 sums round, plus +∞ and NaN lanes.
        var random = new Random(5);
        var lanes = new float[19 * 8];
        for (int k = 0; k < lanes.Length; k++) lanes[k] = (float)(random.NextDouble() * Math.Pow(10, random.Next(-30, 30)));
        lanes[8 * 3 + 5] = float.PositiveInfinity;
        lanes[8 * 12 + 1] = float.NaN;
        var sums = new double[19];
        var expected = new double[19];
        for (int k = 0; k < 19; k++) sums[k] = expected[k] = random.NextDouble() * 1e20;
        LaneKernels.AddLaneSums(ref lanes[0], ref sums[0], 19);
        for (int k = 0; k < 19; k++)
        {
            double s = 0;
            for (int l = 0; l < 8; l++) s += lanes[8 * k + l];
            expected[k] += s;
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[k]), BitConverter.DoubleToInt64Bits(sums[k]));
        }
    }

    [Fact]
    public void PairwiseDistances_SumsSubBlocksThenChunksInOrder()
    {
        int d = Blocking.ChunkLength + 300;
        var rows = Normal(3, d, 4);
        var distances = new PairwiseDistances();
        distances.Compute(SimByz.Aggregation.GradientBatch.FromRows(rows));
        double expected = 0;
        for (int chunk = 0; chunk * Blocking.ChunkLength < d; chunk++)
        {
            double partial = 0;
            int end = Math.Min(d, (chunk + 1) * Blocking.ChunkLength);
            for (int s = chunk * Blocking.ChunkLength; s < end; s += Blocking.SubBlock)
            {
                int len = Math.Min(Blocking.SubBlock, end - s);
                partial += ScalarSquaredDistance(rows[0][s..(s + len)], rows[2][s..(s + len)]);
            }
            expected += partial;
        }
        Assert.Equal(expected, distances[0, 2]);
        Assert.Equal(expected, distances[2, 0]);
    }

    [Fact]
    public void Mean_IsTheFloat64RowOrderSumDividedByN()
    {
        var rows = Normal(7, 45, 6);
        var output = Run("mean", rows);
        for (int j = 0; j < 45; j++)
        {
            double s = 0;
            foreach (var r in rows) s += r[j];
            Assert.Equal((float)(s / 7), output[j]);
        }
    }
}
