using SimByz.Attacks;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Attacks.Core;

public class AttackMathTests
{
    private static SimByz.Aggregation.GradientBatch Random(int h, int d, ulong seed)
    {
        var rng = new RandomStream(seed);
        var data = new float[h * d];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextNormal() * 3 + 1);
        return new SimByz.Aggregation.GradientBatch(data, h, d);
    }

    [Theory]
    [InlineData(5, 19, false)]
    [InlineData(3, 64, true)]
    [InlineData(1, 9, true)]
    [InlineData(12, 2 * AttackMath.MeanBlock + 13, false)] // Mean's blocks: two whole, one partial with a scalar tail
    [InlineData(2, AttackMath.MeanBlock, true)]
    [InlineData(12, 3 * 2048 + 37, false)] // the Mean rule's kernel: three whole chunks and a partial one with every tail
    public void MeanAndStd_VectorPathMatchesScalarFormulaBitForBit(int h, int d, bool sample)
    {
        var rows = Random(h, d, (ulong)(h * 100 + d));
        var mean = new float[d];
        var std = new float[d];
        double[] scratch = [];
        AttackMath.MeanAndStd(rows, sample, mean, std, ref scratch);
        var meanOnly = new float[d];
        AttackMath.Mean(rows, meanOnly, ref scratch);
        var blocked = new float[d];
        AttackMath.MeanBlocked(rows, blocked, ref scratch);
        for (int j = 0; j < d; j++)
        {
            double s = 0;
            for (int i = 0; i < h; i++) s += rows.Row(i)[j];
            double mu = s / h, ss = 0;
            for (int i = 0; i < h; i++)
            {
                double dev = rows.Row(i)[j] - mu;
                ss += dev * dev;
            }
            double denominator = sample ? h - 1 : h;
            Assert.Equal((float)mu, mean[j]);
            Assert.Equal((float)mu, meanOnly[j]);
            Assert.Equal((float)mu, blocked[j]);
            Assert.Equal(denominator == 0 ? 0f : (float)Math.Sqrt(ss / denominator), std[j]);
        }
    }

    [Fact]
    public void Mean_ReusesAndGrowsScratch()
    {
        double[] scratch = [];
        var small = new float[4];
        AttackMath.MeanBlocked(Random(2, 4, 1), small, ref scratch);
        var grown = scratch;
        AttackMath.MeanBlocked(Random(2, 3, 2), new float[3], ref scratch);
        Assert.Same(grown, scratch);
        AttackMath.MeanBlocked(Random(2, 40, 3), new float[40], ref scratch);
        Assert.True(scratch.Length >= 40);
    }
}
