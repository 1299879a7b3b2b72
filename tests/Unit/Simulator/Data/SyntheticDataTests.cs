using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Synthetic;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data;

public class SyntheticDataTests
{
    [Fact]
    public void GaussianMixture_SameStream_SameBytes_OtherSeed_Differs()
    {
        var a = SyntheticData.GaussianMixture(4, 5, 100, 10, 3, new RandomStream(1), out var ma);
        var b = SyntheticData.GaussianMixture(4, 5, 100, 10, 3, new RandomStream(1), out var mb);
        var c = SyntheticData.GaussianMixture(4, 5, 100, 10, 3, new RandomStream(2), out _);
        Assert.Equal(a.Train.Features, b.Train.Features);
        Assert.Equal(a.Train.Labels, b.Train.Labels);
        Assert.Equal(a.Test!.Features, b.Test!.Features);
        Assert.Equal(ma, mb);
        Assert.NotEqual(a.Train.Features, c.Train.Features);
    }

    [Fact]
    public void GaussianMixture_MeansOnSphere_ExamplesAroundTheirMeanWithUnitNoise()
    {
        const int c = 3, d = 8;
        var data = SyntheticData.GaussianMixture(c, d, 6000, 0, 5, new RandomStream(9), out var means);
        Assert.Null(data.Test);
        for (int k = 0; k < c; k++) Assert.Equal(5.0, DetVec.Norm(means.AsSpan(k * d, d)), 5);
        double ss = 0;
        var counts = new int[c];
        for (int i = 0; i < data.Train.Count; i++)
        {
            int y = data.Train.Labels![i];
            counts[y]++;
            ss += DetVec.SquaredDistance(data.Train.Example(i), means.AsSpan(y * d, d));
        }
        Assert.InRange(ss / (data.Train.Count * d), 0.95, 1.05); // unit noise per coordinate
        Assert.All(counts, n => Assert.InRange(n, 1800, 2200)); // uniform labels
    }

    [Fact]
    public void LinearTeacher_TargetsFollowTeacherWithStatedNoise()
    {
        const int d = 6;
        var data = SyntheticData.LinearTeacher(d, 5000, 100, 0.5, new RandomStream(3), out var teacher);
        double ss = 0;
        for (int i = 0; i < data.Train.Count; i++)
        {
            double r = data.Train.Targets![i] - (DetVec.Dot(teacher.AsSpan(0, d), data.Train.Example(i)) + teacher[d]);
            ss += r * r;
        }
        Assert.InRange(Math.Sqrt(ss / data.Train.Count), 0.48, 0.52);
        Assert.Equal(0, data.Train.ClassCount);
        Assert.Null(data.Train.Labels);
    }

    [Fact]
    public void QuadraticPoints_SpreadAroundCentre_ZeroTargets()
    {
        var data = SyntheticData.QuadraticPoints(4, 2000, 10, 0.5, new RandomStream(4));
        Assert.All(data.Train.Targets!, t => Assert.Equal(0f, t));
        var mean = new double[4];
        for (int i = 0; i < 2000; i++) for (int j = 0; j < 4; j++) mean[j] += data.Train.Example(i)[j] / 2000.0;
        double ss = 0;
        for (int i = 0; i < 2000; i++) for (int j = 0; j < 4; j++) ss += Math.Pow(data.Train.Example(i)[j] - mean[j], 2);
        Assert.InRange(Math.Sqrt(ss / 8000), 0.47, 0.53);
    }

    [Theory]
    [InlineData(0, 10, 10)]
    [InlineData(5, 0, 10)]
    [InlineData(5, 10, -1)]
    public void Generators_BadSizes_Throw(int features, int train, int test)
        => Assert.Throws<SimByz.SimByzException>(() => SyntheticData.QuadraticPoints(features, train, test, 1, new RandomStream(1)));
}
