using SimByz.Scheduler;
using SimByz.Simulator.Tasks.Models;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Tasks;

public class KernelsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 8)]
    [InlineData(9, 45)]
    [InlineData(10, 784)]
    public void MatVec_AnyShape_BitIdenticalToDetVecDotPerRow(int rows, int n)
    {
        var w = ModelTestData.Parameters(rows * n, 1, 3);
        var bias = ModelTestData.Parameters(rows, 2);
        var x = ModelTestData.Parameters(n, 3, 2);
        var result = new double[rows];
        Kernels.MatVec(w, bias, x, result);
        for (int i = 0; i < rows; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(DetVec.Dot(w.AsSpan(i * n, n), x) + bias[i]), BitConverter.DoubleToInt64Bits(result[i]));
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(101)]
    public void AccumulateRows_BlocksOfFour_BitIdenticalToSequentialAddScaled(int n)
    {
        var matrix = ModelTestData.Parameters(9 * n, 4, 5);
        int[] rows = [8, 0, 3, 3, 5, 1, 7];
        float[] coefficients = [0.5f, -1.25f, 0f, 3e-3f, 7f, -0.1f, 1e-7f];
        var expected = ModelTestData.Parameters(n, 5);
        var actual = expected.ToArray();
        for (int k = 0; k < rows.Length; k++)
        {
            for (int j = 0; j < n; j++)
            {
                float product = matrix[rows[k] * n + j] * coefficients[k];
                expected[j] += product;
            }
        }
        Kernels.AccumulateRows(actual, matrix, rows, coefficients, new int[rows.Length], new float[rows.Length]);
        Assert.Equal(expected, actual);
    }
}
