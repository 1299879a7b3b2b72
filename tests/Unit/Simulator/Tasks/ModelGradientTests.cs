using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Tasks;

/// <summary>
/// Analytic gradients against central finite differences of an independent float64 reference
/// implementation of each loss (written here from the formulas in the models' docs).
/// </summary>
public class ModelGradientTests
{
    private static readonly int[] Batch = [0, 3, 5, 6, 2];

    [Fact]
    public void LossAndGradient_Linear_MatchesFiniteDifferences()
    {
        var data = ModelTestData.Regression(8, 5, 11);
        Check("linear", data, p =>
        {
            double loss = 0;
            foreach (int r in Batch)
            {
                double z = p[5];
                for (int j = 0; j < 5; j++) z += p[j] * data.Example(r)[j];
                double res = z - data.Targets![r];
                loss += 0.5 * res * res;
            }
            return loss / Batch.Length;
        });
    }

    [Fact]
    public void LossAndGradient_Logistic_MatchesFiniteDifferences()
    {
        var data = ModelTestData.Classification(8, 5, 2, 12);
        Check("logistic", data, p =>
        {
            double loss = 0;
            foreach (int r in Batch)
            {
                double z = p[5];
                for (int j = 0; j < 5; j++) z += p[j] * data.Example(r)[j];
                double prob = 1 / (1 + Math.Exp(-z));
                loss -= data.Labels![r] == 1 ? Math.Log(prob) : Math.Log(1 - prob);
            }
            return loss / Batch.Length;
        });
    }

    [Fact]
    public void LossAndGradient_Softmax_MatchesFiniteDifferences()
    {
        const int d = 5, c = 3;
        var data = ModelTestData.Classification(8, d, c, 13);
        Check("softmax", data, p =>
        {
            double loss = 0;
            foreach (int r in Batch)
            {
                var z = Affine(p, 0, d * c, data.Example(r).ToArray().Select(v => (double)v).ToArray(), c);
                loss += CrossEntropy(z, data.Labels![r]);
            }
            return loss / Batch.Length;
        });
    }

    [Theory]
    [InlineData("mlp:hidden=4")]
    [InlineData("mlp:hidden=6;4")]
    public void LossAndGradient_Mlp_MatchesFiniteDifferences(string spec)
    {
        const int d = 5, c = 3;
        int[] hidden = spec["mlp:hidden=".Length..].Split(';').Select(int.Parse).ToArray();
        var data = ModelTestData.Classification(8, d, c, 14);
        Check(spec, data, p =>
        {
            double loss = 0;
            foreach (int r in Batch)
            {
                double[] a = data.Example(r).ToArray().Select(v => (double)v).ToArray();
                int offset = 0, fanIn = d;
                foreach (int h in hidden)
                {
                    a = Affine(p, offset, offset + h * fanIn, a, h).Select(v => Math.Max(v, 0)).ToArray();
                    offset += h * (fanIn + 1);
                    fanIn = h;
                }
                loss += CrossEntropy(Affine(p, offset, offset + c * fanIn, a, c), data.Labels![r]);
            }
            return loss / Batch.Length;
        });
    }

    [Fact]
    public void LossAndGradient_Quadratic_MatchesFiniteDifferences()
    {
        var data = ModelTestData.Regression(8, 5, 15);
        Check("quadratic:mu=2", data, p =>
        {
            double loss = 0;
            foreach (int r in Batch)
            {
                for (int j = 0; j < 5; j++)
                {
                    double diff = p[j] - data.Example(r)[j];
                    loss += diff * diff;
                }
            }
            return 2.0 / 2 * loss / Batch.Length;
        });
    }

    private static double[] Affine(double[] p, int weights, int bias, double[] input, int outputs)
    {
        var z = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            z[o] = p[bias + o];
            for (int j = 0; j < input.Length; j++) z[o] += p[weights + o * input.Length + j] * input[j];
        }
        return z;
    }

    private static double CrossEntropy(double[] z, int y)
    {
        double m = z.Max();
        return m + Math.Log(z.Sum(v => Math.Exp(v - m))) - z[y];
    }

    private static void Check(string spec, Dataset data, Func<double[], double> reference)
    {
        var model = ModelCatalog.Create(spec, data.FeatureCount, data.ClassCount);
        float[] p = ModelTestData.Parameters(model.ParameterCount, 99);
        var gradient = new float[model.ParameterCount];
        double loss = model.LossAndGradient(p, data, Batch, gradient);
        double[] x = p.Select(v => (double)v).ToArray();
        Assert.Equal(reference(x), loss, 5);
        Assert.Equal(loss, model.Loss(p, data, Batch));
        const double h = 1e-6;
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + h;
            double up = reference(x);
            x[i] = keep - h;
            double down = reference(x);
            x[i] = keep;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-4 + 1e-3 * Math.Abs(numeric),
                $"{spec}: ∂L/∂p[{i}] analytic {gradient[i]} vs numeric {numeric}");
        }
    }
}
