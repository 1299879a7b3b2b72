using Xunit;
using static SimByz.Tests.Unit.Aggregation.AggregationTestData;

namespace SimByz.Tests.Unit.Aggregation;

/// <summary>
/// The inner-product manipulation of Xie, Koyejo, Gupta, "Fall of Empires" (UAI 2019): honest vectors
/// g + σz around a small true gradient g, and q Byzantine rows u = −ε·mean(honest). Median (n − 2q = 1)
/// and Krum (n − 2q = 3) then output vectors with ⟨g, ·⟩ &lt; 0, while Mean's stays positive (ε &lt; (n−q)/q).
/// </summary>
public class FallOfEmpiresTests
{
    private const int D = 1000;
    private const double Epsilon = 1.0;

    private static (float[][] Rows, float[] G) Build(int n, int q)
    {
        var g = Enumerable.Repeat(0.1f, D).ToArray(); // max |g_j| = 0.1 < σ/√(n−q−1) with σ = 1
        var honest = Normal(n - q, D, 2019, mean: 0.1, sd: 1.0);
        var mean = new float[D];
        foreach (var h in honest) for (int j = 0; j < D; j++) mean[j] += h[j] / (n - q);
        var byzantine = Enumerable.Range(0, q).Select(_ => mean.Select(m => (float)(-Epsilon * m)).ToArray());
        return (honest.Concat(byzantine).ToArray(), g);
    }

    [Fact]
    public void Median_InnerProductManipulation_PointsAwayFromTheHonestGradient()
    {
        var (rows, g) = Build(n: 11, q: 5);
        Assert.True(Dot(g, Run("median", rows)) < 0);
        Assert.True(Dot(g, Run("mean", rows)) > 0);
    }

    [Fact]
    public void Krum_InnerProductManipulation_PointsAwayFromTheHonestGradient()
    {
        var (rows, g) = Build(n: 11, q: 4);
        Assert.True(Dot(g, Run("krum:f=4", rows)) < 0);
        Assert.True(Dot(g, Run("mean", rows)) > 0);
    }
}
