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

    /// <summary>
    /// The minibatch matrix product: every element of Z = X·Wᵀ + b is bit-identical to the dot product of that
    /// input alone (MatVec), whatever the number of inputs batched with it, their order, and whether several
    /// workers' rows are batched together or each worker's alone (shapes cover odd input counts, unit counts not a
    /// multiple of 4 and fan-ins not a multiple of 8: every tail path).
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 4, 8)]
    [InlineData(3, 5, 7)]
    [InlineData(7, 9, 37)]
    [InlineData(25, 100, 784)]
    [InlineData(50, 10, 100)]
    public void MatMul_AnyBatch_EachElementBitIdenticalToItsInputAlone(int inputs, int units, int n)
    {
        var w = ModelTestData.Parameters(units * n, 11, 2);
        var bias = ModelTestData.Parameters(units, 12);
        var data = ModelTestData.Parameters(60 * n, 13, 3);
        var rows = Enumerable.Range(0, inputs).Select(e => (e * 7 + 3) % 60).ToArray();
        var batched = new double[inputs * units];
        Kernels.MatMul(w, bias, data, rows, batched);
        var alone = new double[units];
        for (int e = 0; e < inputs; e++)
        {
            Kernels.MatVec(w, bias, data.AsSpan(rows[e] * n, n), alone);
            for (int j = 0; j < units; j++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(alone[j]), BitConverter.DoubleToInt64Bits(batched[e * units + j]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(DetVec.Dot(w.AsSpan(j * n, n), data.AsSpan(rows[e] * n, n)) + bias[j]),
                    BitConverter.DoubleToInt64Bits(batched[e * units + j]));
            }
        }
        // Two "workers": the first half of the rows alone, then the second half alone, equal the batch of both.
        int half = inputs / 2;
        var first = new double[half * units];
        var second = new double[(inputs - half) * units];
        Kernels.MatMul(w, bias, data, rows.AsSpan(0, half), first);
        Kernels.MatMul(w, bias, data, rows.AsSpan(half), second);
        Assert.Equal(batched.Select(BitConverter.DoubleToInt64Bits), first.Concat(second).Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void MatMul_ResultNotInputsTimesUnits_Throws()
    {
        var w = new float[12];
        Assert.Throws<ArgumentException>(() => Kernels.MatMul(w, new float[3], new float[40], [0, 1], new double[5]));
        Assert.Throws<ArgumentException>(() => Kernels.MatMul(w, new float[3], new float[40], [0, 1], new double[8]));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(23)]
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

    [Fact]
    public void AccumulateRows_ZeroCoefficientsSkipped_NaNKept_AnyPattern()
    {
        // Rows holding an infinity: a zero coefficient that were not skipped would add 0·∞ = NaN.
        const int n = 37, rowCount = 25;
        var matrix = ModelTestData.Parameters(rowCount * n, 6, 2);
        for (int r = 0; r < rowCount; r++) matrix[r * n + (r % n)] = r % 2 == 0 ? float.PositiveInfinity : float.NegativeInfinity;
        var rng = new Random(11);
        for (int trial = 0; trial < 40; trial++)
        {
            var rows = Enumerable.Range(0, rowCount).Select(_ => rng.Next(rowCount)).ToArray();
            var coefficients = rows.Select(_ => rng.Next(3) switch { 0 => 0f, 1 => -0f, _ => (float)(rng.NextDouble() - 0.5) }).ToArray();
            if (trial % 5 == 4) coefficients[rng.Next(rowCount)] = float.NaN;
            var expected = ModelTestData.Parameters(n, 7);
            var actual = expected.ToArray();
            for (int k = 0; k < rows.Length; k++)
            {
                if (coefficients[k] == 0f) continue;
                Kernels.AddScaled(expected, matrix.AsSpan(rows[k] * n, n), coefficients[k]);
            }
            Kernels.AccumulateRows(actual, matrix, rows, coefficients, new int[rows.Length], new float[rows.Length]);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void KeepWherePositive_EveryLengthAndAlias_SameBitsAsTheScalarSelect()
    {
        float[] specials = [float.NaN, -0f, 0f, float.Epsilon, -float.Epsilon, 1e-38f, -2.5f, 3.25f, float.PositiveInfinity, float.NegativeInfinity];
        var rng = new Random(5);
        for (int n = 0; n <= 41; n++)
        {
            var pre = Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0 ? specials[rng.Next(specials.Length)] : (float)(rng.NextDouble() - 0.5)).ToArray();
            var values = Enumerable.Range(0, n).Select(_ => rng.Next(4) == 0 ? specials[rng.Next(specials.Length)] : (float)(rng.NextDouble() * 4 - 2)).ToArray();
            int[] Expected(float[] p, float[] v) => Enumerable.Range(0, n).Select(k => BitConverter.SingleToInt32Bits(p[k] > 0 ? v[k] : 0f)).ToArray();
            int[] Bits(float[] a) => a.Select(BitConverter.SingleToInt32Bits).ToArray();

            var separate = Enumerable.Repeat(9f, n).ToArray();
            Kernels.KeepWherePositive(pre, values, separate);
            Assert.Equal(Expected(pre, values), Bits(separate));

            var intoValues = values.ToArray();
            Kernels.KeepWherePositive(pre, intoValues, intoValues);
            Assert.Equal(Expected(pre, values), Bits(intoValues));

            var relu = pre.ToArray();
            Kernels.KeepWherePositive(relu, relu, relu);
            Assert.Equal(Expected(pre, pre), Bits(relu));
        }
    }

    [Fact]
    public void KeepWherePositive_OverlapAtAnOffset_Refused()
    {
        var buffer = new float[40];
        Assert.Throws<ArgumentException>(() => Kernels.KeepWherePositive(buffer.AsSpan(0, 32), buffer.AsSpan(0, 32), buffer.AsSpan(4, 32)));
        Assert.Throws<ArgumentException>(() => Kernels.KeepWherePositive(buffer.AsSpan(4, 32), buffer.AsSpan(8, 32), buffer.AsSpan(0, 32)));
        Kernels.KeepWherePositive(buffer.AsSpan(0, 32), buffer.AsSpan(0, 32), buffer.AsSpan(0, 32)); // the same start is fine
    }
}
