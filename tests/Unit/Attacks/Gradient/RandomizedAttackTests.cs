using SimByz.Scheduler;
using Xunit;
using static SimByz.Tests.Unit.Attacks.AttackKit;

namespace SimByz.Tests.Unit.Attacks.Gradient;

public class RandomizedAttackTests
{
    private static readonly float[][] Honest = [[1f, 2f, 3f, 4f], [3f, 4f, 5f, 6f]]; // mean (2, 3, 4, 5)

    [Fact]
    public void Gaussian_RowsAreSigmaTimesTheStreamsNormalsInRowMajorOrder()
    {
        var rows = Craft(Attack("gaussian:sigma=3"), Context(Honest, 2, seed: 7));
        var replay = RandomStreams.Derive(7, StreamPurpose.Attack);
        foreach (var row in rows)
        {
            foreach (float x in row) Assert.Equal((float)(3 * replay.NextNormal()), x);
        }
    }

    [Fact]
    public void Gaussian_CenterMean_AddsNoiseAroundHonestMean()
    {
        var rows = Craft(Attack("gaussian:sigma=0.5,center=mean"), Context(Honest, 1, seed: 3));
        var replay = RandomStreams.Derive(3, StreamPurpose.Attack);
        float[] mean = [2f, 3f, 4f, 5f];
        for (int j = 0; j < 4; j++) Assert.Equal((float)(mean[j] + 0.5 * replay.NextNormal()), rows[0][j]);
    }

    [Fact]
    public void Gaussian_DefaultSigma200_HasThatSpreadAroundZero()
    {
        const int d = 20_000;
        var rows = Craft(Attack("gaussian"), Context([new float[d]], 1, seed: 11));
        double sum = 0, squares = 0;
        foreach (float x in rows[0])
        {
            sum += x;
            squares += (double)x * x;
        }
        double mean = sum / d, std = Math.Sqrt(squares / d - mean * mean);
        Assert.InRange(mean, -200 * 4 / Math.Sqrt(d), 200 * 4 / Math.Sqrt(d));
        Assert.InRange(std, 194, 206);
    }

    [Theory]
    [InlineData("gaussian")]
    [InlineData("large-norm")]
    public void Craft_SameSeed_SameRows_DifferentSeed_DifferentRows(string spec)
    {
        var a = Craft(Attack(spec), Context(Honest, 3, seed: 5));
        var b = Craft(Attack(spec), Context(Honest, 3, seed: 5));
        var c = Craft(Attack(spec), Context(Honest, 3, seed: 6));
        for (int k = 0; k < 3; k++) Assert.Equal(a[k], b[k]);
        Assert.NotEqual(a[0], c[0]);
        Assert.NotEqual(a[0], a[1]); // rows are independent, not colluding
    }

    [Theory]
    [InlineData("large-norm", 1e6)]
    [InlineData("large-norm:norm=1234.5", 1234.5)]
    public void LargeNorm_EveryRowHasTheRequestedNorm(string spec, double norm)
    {
        foreach (var row in Craft(Attack(spec), Context([new float[50]], 4, seed: 2)))
        {
            Assert.Equal(1.0, DetVec.Norm(row) / norm, 5);
        }
    }

    [Fact]
    public void LargeNorm_DirectionIsTheNormalisedNormalDraw()
    {
        var rows = Craft(Attack("large-norm:norm=10"), Context([new float[3]], 1, seed: 9));
        var replay = RandomStreams.Derive(9, StreamPurpose.Attack);
        float[] draw = [(float)replay.NextNormal(), (float)replay.NextNormal(), (float)replay.NextNormal()];
        double length = DetVec.Norm(draw);
        for (int j = 0; j < 3; j++) Assert.Equal(draw[j] * (float)(10 / length), rows[0][j]);
    }
}
