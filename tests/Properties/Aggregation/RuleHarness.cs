using SimByz.Aggregation;
using SimByz.Testing.Aggregation;

namespace SimByz.Tests.Properties.Aggregation;

/// <summary>Builds registered rules for a batch and runs them; shared by the aggregation properties.</summary>
internal static class RuleHarness
{
    /// <summary>
    /// The spec of registered rule <paramref name="name"/> tolerating <paramref name="f"/> inputs.
    /// Geometric median uses the converging fedlib variant (byzfl's 3 iterations from zero are an
    /// approximation that neither translates nor meets the optimality condition).
    /// </summary>
    public static string Spec(string name, int f) => name switch
    {
        "mean" or "median" or "sign-majority" or "cc" => name,
        "geometric-median" => "geometric-median:variant=fedlib,iters=2000,eps=1e-12",
        "trimmed-mean" or "zeno" => $"{name}:b={f}",
        _ => $"{name}:f={f}",
    };

    /// <summary>Every registered synchronous rule.</summary>
    public static IEnumerable<string> Names => AggregatorCatalog.BuiltIn.Rules.Infos.Select(r => r.Name);

    /// <summary>A context for Zeno: model 0, γ = 0.1, oracle ½‖x − c‖² with c = 1.</summary>
    public static AggregationContext Context(int d) => new()
    {
        Model = new float[d],
        LearningRate = 0.1,
        Oracle = QuadraticValidationOracle.Isotropic(Enumerable.Repeat(1.0, d).ToArray()),
    };

    /// <summary>
    /// Runs rule <paramref name="name"/> with the largest f ≤ <paramref name="fMax"/> it accepts for
    /// n = rows.Length; null when it accepts none (its tolerance condition fails even at f = 0).
    /// </summary>
    public static (float[] Output, int F, AggregationDiagnostics Diagnostics)? Run(string name, float[][] rows, int fMax)
    {
        for (int f = fMax; f >= 0; f--)
        {
            var result = TryRun(Spec(name, f), rows);
            if (result is { } r) return (r.Output, f, r.Diagnostics);
        }
        return null;
    }

    /// <summary>Runs <paramref name="spec"/> on <paramref name="rows"/>, or null if the rule rejects n (a tolerance <see cref="SimByzException"/>).</summary>
    public static (float[] Output, AggregationDiagnostics Diagnostics)? TryRun(string spec, float[][] rows)
    {
        var rule = AggregatorCatalog.BuiltIn.Create(spec);
        var batch = GradientBatch.FromRows(rows);
        var output = new float[batch.Dimension];
        var diagnostics = new AggregationDiagnostics();
        try
        {
            rule.Aggregate(batch, output, Context(batch.Dimension), diagnostics);
        }
        catch (SimByzException)
        {
            return null;
        }
        return (output, diagnostics);
    }

    /// <summary>Runs a spec that must accept the batch.</summary>
    public static float[] MustRun(string spec, float[][] rows)
        => TryRun(spec, rows)?.Output ?? throw new InvalidOperationException($"{spec} rejected n = {rows.Length}");

    /// <summary>Equal up to a relative tolerance; NaN equals NaN, infinities must match exactly.</summary>
    public static bool Close(float a, float b, double relative = 1e-5)
    {
        if (float.IsNaN(a) || float.IsNaN(b)) return float.IsNaN(a) && float.IsNaN(b);
        if (!float.IsFinite(a) || !float.IsFinite(b)) return a == b;
        return Math.Abs((double)a - b) <= relative * Math.Max(1.0, Math.Max(Math.Abs((double)a), Math.Abs((double)b)));
    }

    public static bool Close(float[] a, float[] b, double relative = 1e-5)
    {
        if (a.Length != b.Length) return false;
        for (int j = 0; j < a.Length; j++)
        {
            if (!Close(a[j], b[j], relative)) return false;
        }
        return true;
    }

    public static string Show(float[] v) => "[" + string.Join(", ", v.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
