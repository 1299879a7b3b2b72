using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Scheduler;

/// <summary>
/// DetMath against System.Math (the platform libm, allowed in tests) over many points. fdlibm's exp
/// and log are accurate to below 1 ulp, as is glibc's, so the two may differ by at most 2 ulp.
/// </summary>
public class DetMathTests
{
    private static long UlpDistance(double a, double b)
    {
        if (a == b) return 0;
        long ia = BitConverter.DoubleToInt64Bits(a), ib = BitConverter.DoubleToInt64Bits(b);
        if ((ia < 0) != (ib < 0)) return long.MaxValue;
        return Math.Abs(ia - ib);
    }

    [Fact]
    public void Exp_ManyPointsAcrossRange_WithinTwoUlpOfMathExp()
    {
        var rng = new RandomStream(11);
        long worst = 0;
        for (int i = 0; i < 200_000; i++)
        {
            double x = i % 4 == 0 ? (rng.NextDouble() - 0.5) * 2e-3 : (rng.NextDouble() - 0.5) * 1416;
            worst = Math.Max(worst, UlpDistance(DetMath.Exp(x), Math.Exp(x)));
        }
        Assert.True(worst <= 2, $"worst error {worst} ulp");
    }

    [Fact]
    public void Log_ManyPointsLogUniform_WithinTwoUlpOfMathLog()
    {
        var rng = new RandomStream(12);
        long worst = 0;
        for (int i = 0; i < 200_000; i++)
        {
            double x = i % 4 == 0 ? 1 + (rng.NextDouble() - 0.5) * 1e-2 : Math.Pow(2, (rng.NextDouble() - 0.5) * 2040);
            worst = Math.Max(worst, UlpDistance(DetMath.Log(x), Math.Log(x)));
        }
        Assert.True(worst <= 2, $"worst error {worst} ulp");
    }

    [Theory]
    [InlineData(4.9e-324)]
    [InlineData(1e-310)]
    [InlineData(2.2250738585072014e-308)]
    [InlineData(double.MaxValue)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Log_SpecialMagnitudes_WithinTwoUlp(double x)
        => Assert.True(UlpDistance(DetMath.Log(x), Math.Log(x)) <= 2);

    [Fact]
    public void LogAndExp_EdgeValues_FollowIeeeConventions()
    {
        Assert.Equal(double.NegativeInfinity, DetMath.Log(0));
        Assert.True(double.IsNaN(DetMath.Log(-1)));
        Assert.Equal(double.PositiveInfinity, DetMath.Log(double.PositiveInfinity));
        Assert.Equal(0.0, DetMath.Log(1.0));
        Assert.Equal(1.0, DetMath.Exp(0));
        Assert.Equal(double.PositiveInfinity, DetMath.Exp(710));
        Assert.Equal(0.0, DetMath.Exp(-746));
        Assert.True(double.IsNaN(DetMath.Exp(double.NaN)));
    }

    [Fact]
    public void Pow_ModerateArguments_WithinRelativeErrorOfExpLog()
    {
        // Pow is exp(y·ln x): its error grows with |y·ln x| (the rounding of the product is amplified).
        var rng = new RandomStream(13);
        for (int i = 0; i < 50_000; i++)
        {
            double x = rng.NextDouble() * 100 + 1e-3, y = (rng.NextDouble() - 0.5) * 20;
            double w = Math.Abs(y * Math.Log(x));
            double expected = Math.Pow(x, y);
            Assert.True(Math.Abs(DetMath.Pow(x, y) - expected) <= 4e-16 * Math.Max(1, w) * 4 * expected, $"pow({x}, {y})");
        }
        Assert.Equal(1.0, DetMath.Pow(0, 0));
        Assert.Equal(0.0, DetMath.Pow(0, 2));
        Assert.True(double.IsNaN(DetMath.Pow(-2, 0.5)));
    }

    [Fact]
    public void NormalQuantile_InvertsNormalCdf_WithinApproximationErrors()
    {
        // Acklam: relative error < 1.15e-9; the Numerical Recipes erfc: < 1.2e-7.
        for (int i = 1; i < 1000; i++)
        {
            double p = i / 1000.0;
            double roundTrip = DetMath.NormalCdf(DetMath.NormalQuantile(p));
            Assert.True(Math.Abs(roundTrip - p) <= 2e-7 * Math.Max(p, 1 - p), $"p = {p}: {roundTrip}");
        }
        Assert.Equal(0.0, DetMath.NormalQuantile(0.5), 12);
        Assert.True(Math.Abs(DetMath.NormalQuantile(0.975) / 1.959963984540054 - 1) <= 1.15e-9);
        Assert.True(Math.Abs(DetMath.NormalQuantile(0.001) / -3.090232306167813 - 1) <= 1.15e-9);
        Assert.Equal(double.NegativeInfinity, DetMath.NormalQuantile(0));
        Assert.True(double.IsNaN(DetMath.NormalQuantile(1.5)));
    }

    [Fact]
    public void SigmoidAndSoftplus_AgreeWithMathDefinitions()
    {
        foreach (double x in new[] { -40.0, -3.5, -1e-5, 0, 0.25, 2, 30, 700 })
        {
            Assert.Equal(1 / (1 + Math.Exp(-x)), DetMath.Sigmoid(x), 14);
            double softplus = x > 30 ? x + Math.Exp(-x) : Math.Log(1 + Math.Exp(x));
            Assert.True(Math.Abs(DetMath.Softplus(x) - softplus) <= 1e-14 * Math.Max(1, Math.Abs(softplus)), $"softplus({x})");
        }
    }
}
