using SimByz.Scheduler;
using SimByz.Simulator.Data.Partitioning;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Partitioning;

public class DirichletTests
{
    [Theory]
    [InlineData(0.3, 1.0, 2.0)]
    [InlineData(5.0, 5.0, 10.0)]
    public void Sample_ManyDraws_MeanIsNormalizedConcentration(double a, double b, double c)
    {
        var rng = new RandomStream(12);
        double[] concentration = [a, b, c];
        var draw = new double[3];
        var mean = new double[3];
        const int draws = 20000;
        for (int t = 0; t < draws; t++)
        {
            Dirichlet.Sample(concentration, draw, rng);
            Assert.Equal(1.0, draw.Sum(), 12);
            for (int i = 0; i < 3; i++) mean[i] += draw[i] / draws;
        }
        double total = a + b + c;
        for (int i = 0; i < 3; i++) Assert.Equal(concentration[i] / total, mean[i], 2);
    }

    [Fact]
    public void Sample_TinyConcentration_NearlyOneHotAndFinite()
    {
        var rng = new RandomStream(13);
        double[] concentration = [1e-4, 1e-4, 1e-4, 1e-4];
        var draw = new double[4];
        for (int t = 0; t < 100; t++)
        {
            Dirichlet.Sample(concentration, draw, rng);
            Assert.All(draw, v => Assert.True(double.IsFinite(v) && v >= 0));
            Assert.True(draw.Max() > 0.99, $"max {draw.Max()}");
        }
    }

    [Fact]
    public void Sample_ZeroConcentration_GetsZeroProbability()
    {
        var draw = new double[3];
        Dirichlet.Sample([1.0, 0.0, 2.0], draw, new RandomStream(1));
        Assert.Equal(0.0, draw[1]);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void LogGamma_Draws_HaveMeanEqualToShape(double shape)
    {
        var rng = new RandomStream(14);
        double mean = 0;
        const int draws = 20000;
        for (int t = 0; t < draws; t++) mean += Math.Exp(Dirichlet.LogGamma(shape, rng)) / draws;
        Assert.Equal(shape, mean, 1);
    }
}
