using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Tests.Unit.Aggregation;

/// <summary>Builders shared by the aggregation tests.</summary>
internal static class AggregationTestData
{
    public static float[] Run(string spec, float[][] rows, int q = -1, ulong seed = 0, AggregationDiagnostics? diagnostics = null)
    {
        var rule = AggregatorCatalog.BuiltIn.Create(spec, new AggregatorBuildContext(seed, q));
        return Run(rule, rows, diagnostics);
    }

    public static float[] Run(IAggregator rule, float[][] rows, AggregationDiagnostics? diagnostics = null)
    {
        var batch = GradientBatch.FromRows(rows);
        var output = new float[batch.Dimension];
        rule.Aggregate(batch, output, AggregationContext.None, diagnostics);
        return output;
    }

    /// <summary>One-dimensional inputs, one value per worker.</summary>
    public static float[][] Scalars(params float[] values)
    {
        var rows = new float[values.Length][];
        for (int i = 0; i < values.Length; i++) rows[i] = [values[i]];
        return rows;
    }

    /// <summary>n rows of d standard normal values (deterministic).</summary>
    public static float[][] Normal(int n, int d, ulong seed, double mean = 0, double sd = 1)
    {
        var stream = RandomStreams.Derive(seed, "test.data");
        var rows = new float[n][];
        for (int i = 0; i < n; i++)
        {
            rows[i] = new float[d];
            for (int j = 0; j < d; j++) rows[i][j] = (float)stream.NextNormal(mean, sd);
        }
        return rows;
    }

    public static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) s += (double)a[j] * b[j];
        return s;
    }
}
