using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;

namespace SimByz.Tests.Unit.Attacks;

/// <summary>Builds attack contexts from jagged rows and runs attacks, for the attack tests.</summary>
internal static class AttackKit
{
    public static GradientBatch Batch(int dimension, params float[][] rows)
        => rows.Length == 0 ? new GradientBatch(Array.Empty<float>(), 0, dimension) : GradientBatch.FromRows(rows);

    public static AttackContext Context(
        float[][] honest, int byzantine, int dimension = 0, float[][]? own = null, IAggregator? aggregator = null,
        ulong seed = 1, int workers = 0, int totalByzantine = 0, double learningRate = 0)
    {
        int d = dimension > 0 ? dimension : honest.Length > 0 ? honest[0].Length : own![0].Length;
        return new AttackContext
        {
            Honest = Batch(d, honest),
            OwnGradients = own is null ? null : Batch(d, own),
            ByzantineCount = byzantine,
            Dimension = d,
            WorkerCount = workers,
            TotalByzantine = totalByzantine,
            Aggregator = aggregator,
            LearningRate = learningRate,
            Rng = RandomStreams.Derive(seed, StreamPurpose.Attack),
        };
    }

    /// <summary>The rows the attack crafts, one array per Byzantine row.</summary>
    public static float[][] Craft(IGradientAttack attack, AttackContext context)
    {
        int d = context.Dimension, q = context.ByzantineCount;
        var output = new float[q * d];
        attack.Craft(context, output);
        var rows = new float[q][];
        for (int k = 0; k < q; k++) rows[k] = output.AsSpan(k * d, d).ToArray();
        return rows;
    }

    public static IGradientAttack Attack(string spec, AttackBuildContext? build = null) => AttackCatalog.BuiltIn.CreateGradientAttack(spec, build);

    /// <summary>Asserts every row equals <paramref name="expected"/> within <paramref name="tolerance"/>.</summary>
    public static void AllRowsEqual(float[][] rows, float[] expected, double tolerance = 1e-6)
    {
        foreach (var row in rows) RowEqual(expected, row, tolerance);
    }

    public static void RowEqual(float[] expected, float[] actual, double tolerance = 1e-6)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++) Xunit.Assert.Equal(expected[j], actual[j], tolerance);
    }

    /// <summary>Aggregates honest ∪ Byzantine rows (honest first) with <paramref name="rule"/>.</summary>
    public static float[] Aggregate(IAggregator rule, float[][] honest, float[][] byzantine)
    {
        var rows = honest.Concat(byzantine).ToList();
        var output = new float[rows[0].Length];
        rule.Aggregate(GradientBatch.FromRows(rows), output, ServerContext(output.Length));
        return output;
    }

    /// <summary>A server context with a validation oracle (an isotropic quadratic centred at 1), so rules
    /// that need validation data (Zeno) can run too.</summary>
    public static AggregationContext ServerContext(int d) => new()
    {
        Model = new float[d],
        LearningRate = 0.1,
        Oracle = SimByz.Testing.Aggregation.QuadraticValidationOracle.Isotropic(Enumerable.Repeat(1.0, d).ToArray()),
    };

    public static float[] Mean(float[][] rows)
    {
        var mean = new float[rows[0].Length];
        for (int j = 0; j < mean.Length; j++)
        {
            double s = 0;
            foreach (var r in rows) s += r[j];
            mean[j] = (float)(s / rows.Length);
        }
        return mean;
    }

    public static double Dot(float[] a, float[] b) => DetVec.Dot(a, b);

    public static double Distance(float[] a, float[] b) => Math.Sqrt(DetVec.SquaredDistance(a, b));
}
