using FsCheck;
using FsCheck.Fluent;
using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Tests.Properties.Gpu;

/// <summary>How a generated batch is shaped: what kind of values its rows hold.</summary>
public enum ValueKind
{
    /// <summary>Continuous Gaussian values: ties only where rows are duplicated.</summary>
    Continuous,

    /// <summary>Values on a grid of 0.5: many exact coordinate ties and equal distances (exact in both backends).</summary>
    Grid,
}

/// <summary>
/// One random batch for the agreement properties: n rows of d values, some outlier rows (far away),
/// some duplicated rows (ties), some non-finite rows (NaN, +∞, −∞), built from a seed.
/// </summary>
public sealed record BatchCase(int N, int D, ulong Seed, ValueKind Kind, int Outliers, int Duplicates, int NonFinite, int F)
{
    /// <summary>The rows, built deterministically from the fields.</summary>
    public GradientBatch Build()
    {
        var rng = new RandomStream(Seed);
        var data = new float[N * D];
        var center = new double[D];
        for (int j = 0; j < D; j++) center[j] = rng.NextNormal(0, 3);
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < D; j++)
            {
                double v = center[j] + rng.NextNormal();
                data[i * D + j] = (float)(Kind == ValueKind.Grid ? Math.Round(v * 2) / 2 : v);
            }
        }
        // The last rows are the special ones: outliers, then non-finite; duplicates copy row 0.
        int row = N - 1;
        for (int k = 0; k < NonFinite && row >= 1; k++, row--)
        {
            float bad = (k % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
            int j0 = rng.NextInt(D);
            data[row * D + j0] = bad;
            if (k % 3 == 0)
            {
                for (int j = 0; j < D; j++) data[row * D + j] = float.NaN;
            }
        }
        for (int k = 0; k < Outliers && row >= 1; k++, row--)
        {
            for (int j = 0; j < D; j++) data[row * D + j] = data[row * D + j] * 100f + 1000f;
        }
        for (int k = 1; k <= Duplicates && k < row; k++)
        {
            Array.Copy(data, 0, data, k * D, D);
        }
        return new GradientBatch(data, N, D);
    }

    public override string ToString()
        => $"n={N} d={D} seed={Seed} {Kind} outliers={Outliers} duplicates={Duplicates} nonfinite={NonFinite} f={F}";
}

/// <summary>FsCheck generators of the torch agreement properties.</summary>
public static class GpuArbitraries
{
    /// <summary>
    /// Batches with n in [7, 12] (so Bulyan with f = 1 and Krum with f = 2 are within tolerance),
    /// d in [1, 12], f in {1, 2}, up to f non-finite rows, up to f outliers, up to 2 duplicated rows.
    /// </summary>
    public static Arbitrary<BatchCase> Batches()
    {
        var gen =
            from n in Gen.Choose(7, 12)
            from d in Gen.Choose(1, 12)
            from seed in Gen.Choose(0, int.MaxValue)
            from kind in Gen.Elements(ValueKind.Continuous, ValueKind.Grid)
            from f in Gen.Choose(1, 2)
            from outliers in Gen.Choose(0, f)
            from duplicates in Gen.Choose(0, 2)
            from nonFinite in Gen.Choose(0, f)
            select new BatchCase(n, d, (ulong)seed, kind, outliers, duplicates, nonFinite, f);
        return Arb.From(gen);
    }
}
