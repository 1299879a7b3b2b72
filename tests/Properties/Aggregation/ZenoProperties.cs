using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Testing.Aggregation;
using SimByz.Tests.Properties.Generators;
using Xunit;
using static SimByz.Tests.Properties.Aggregation.RuleHarness;

namespace SimByz.Tests.Properties.Aggregation;

/// <summary>
/// Zeno's bounded-score lemma and Zeno++'s acceptance test, checked exactly against an analytic
/// validation loss.
/// </summary>
public class ZenoProperties
{
    /// <summary>f_r(x) = ½ Σ aⱼ(xⱼ − cⱼ)² with curvature and centre taken from the case's seed; model x from the first honest row.</summary>
    private static (QuadraticValidationOracle Oracle, float[] Model) Validation(GradientCase c)
    {
        var rng = RandomStreams.Derive(c.Seed, StreamPurpose.Attack, 7);
        int d = c.Dimension;
        var curvature = Enumerable.Range(0, d).Select(_ => 0.25 + 2 * rng.NextDouble()).ToArray();
        var center = Enumerable.Range(0, d).Select(_ => 4 * rng.NextDouble() - 2).ToArray();
        var model = Enumerable.Range(0, d).Select(j => c.Honest[0][j] * 0.5f).ToArray();
        return (new QuadraticValidationOracle(curvature, center), model);
    }

    private static double[] Scores(string spec, float[][] rows, AggregationContext context)
    {
        var batch = GradientBatch.FromRows(rows);
        var diagnostics = new AggregationDiagnostics();
        AggregatorCatalog.BuiltIn.Create(spec).Aggregate(batch, new float[batch.Dimension], context, diagnostics);
        Assert.True(diagnostics.HasScores);
        return diagnostics.Scores.ToArray();
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Zeno_AnyCandidates_BoundedScoreLemma(GradientCase c)
    {
        // n − q honest gradients, q < n arbitrary candidates; scores on the same validation batch.
        var (oracle, model) = Validation(c);
        const double gamma = 0.1, rho = 0.0005;
        var context = new AggregationContext { Model = model, LearningRate = gamma, Oracle = oracle };
        int n = c.Count, q = c.ByzantineCount;
        string spec = $"zeno:b={q},rho={rho}";
        var all = Scores(spec, c.Rows, context);
        var honest = Scores($"zeno:b=0,rho={rho}", c.Honest, context);

        // Each reported score is the paper's score of that row (recomputed in float64 from the float32 trial point).
        double baseLoss = oracle.Loss(model);
        for (int i = 0; i < n; i++)
        {
            var u = c.Rows[i];
            double expected = u.All(float.IsFinite)
                ? baseLoss - oracle.Loss(model.Select((x, j) => x - u[j] * (float)gamma).ToArray()) - rho * DetVec.SquaredNorm(u)
                : double.NegativeInfinity;
            if (double.IsNaN(expected)) expected = double.NegativeInfinity;
            Assert.True(Same(expected, all[i]), $"row {i}: Zeno reported {all[i]}, the score is {expected} (P = ‖u‖² as DetVec computes it: float32 squares, float64 sum)");
        }

        var sortedAll = all.OrderByDescending(s => s).ToArray();
        var sortedHonest = honest.OrderByDescending(s => s).ToArray();
        for (int i = 0; i < n - q; i++)
        {
            Assert.True(sortedAll[i] >= sortedHonest[i], $"i = {i + 1}: {i + 1}-th best candidate scores {sortedAll[i]} < {i + 1}-th best honest {sortedHonest[i]}");
        }
    }

    private static bool Same(double a, double b)
        => a == b || (double.IsFinite(a) && double.IsFinite(b) && Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b))));

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Zeno_AnyCandidates_AveragesTheNMinusBBestFiniteRows(GradientCase c)
    {
        var (oracle, model) = Validation(c);
        var context = new AggregationContext { Model = model, LearningRate = 0.1, Oracle = oracle };
        int q = c.ByzantineCount;
        var batch = c.Batch;
        var output = new float[c.Dimension];
        var diagnostics = new AggregationDiagnostics();
        AggregatorCatalog.BuiltIn.Create($"zeno:b={q}").Aggregate(batch, output, context, diagnostics);
        var scores = diagnostics.Scores.ToArray();
        var kept = Enumerable.Range(0, c.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(c.Count - q)
            .Where(i => c.Rows[i].All(float.IsFinite)).ToArray();
        Assert.Equal(kept.OrderBy(i => i), Enumerable.Range(0, c.Count).Where(i => diagnostics.Selected[i]));
        var mean = Enumerable.Range(0, c.Dimension).Select(j => kept.Length == 0 ? 0f : (float)(kept.Sum(i => (double)c.Rows[i][j]) / kept.Length)).ToArray();
        Assert.True(Close(mean, output, 1e-6), $"output {Show(output)}, mean of the kept rows {Show(mean)}");
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void ZenoPlusPlus_AnyMessageStream_AcceptedIffTheInequalityHolds(GradientCase c)
    {
        // Messages arrive in a seeded order; the server applies accepted updates. The test recomputes
        // g_r (refreshed when the version advanced by ≥ k), the score, and the applied update.
        var (oracle, _) = Validation(c);
        var rng = RandomStreams.Derive(c.Seed, StreamPurpose.Attack, 3);
        bool reference = rng.NextDouble() < 0.5;
        int k = new[] { 1, 2, 5 }[rng.NextInt(3)];
        double rho = new[] { 0.0, 0.001, 0.01 }[rng.NextInt(3)], eps = new[] { 0.0, 0.1, -0.05 }[rng.NextInt(3)], gamma = 0.1;
        var rule = AggregatorCatalog.BuiltIn.CreateAsync($"zenopp:rho={rho},eps={eps},k={k},form={(reference ? "reference" : "plain")}");
        int d = c.Dimension;
        var x = new float[d];
        var g = new float[d];
        long version = 0, refreshedAt = long.MinValue;
        var update = new float[d];
        var rows = c.Rows;
        var order = Enumerable.Range(0, rows.Length).ToArray();
        rng.Shuffle(order.AsSpan());
        foreach (int i in order.Concat(order))
        {
            var u = rows[i];
            if (refreshedAt == long.MinValue || version - refreshedAt >= k)
            {
                oracle.LossAndGradient(x, g);
                refreshedAt = version;
            }
            var decision = rule.Decide(new AsyncMessage(i, version, 0, u), new AggregationContext { Model = (float[])x.Clone(), LearningRate = gamma, Round = version, Oracle = oracle }, update);

            double uu = DetVec.SquaredNorm(u), gg = DetVec.SquaredNorm(g);
            // The rule's documented arithmetic: float32 products, float64 sums (DetVec), u' = u·(float)√(‖g‖²/‖u‖²).
            float[] applied = reference
                ? u.Select(v => uu > 0 && gg > 0 ? v * (float)Math.Sqrt(gg / uu) : 0f).ToArray()
                : u;
            double dot = DetVec.Dot(applied, g);
            double score = reference ? gamma * dot - rho * uu + gamma * eps : gamma * dot - rho * uu;
            double threshold = reference ? 0 : eps;
            double slack = 1e-6 * (1 + Math.Abs(gamma * dot) + rho * uu);
            string what = $"message {i} {Show(u)} at version {version} (g_r {Show(g)}): score {score}, threshold {threshold}, decision {decision}";
            if (!u.All(float.IsFinite) || !double.IsFinite(score))
            {
                Assert.False(decision.Accepted, what);
                continue;
            }
            if (decision.Accepted)
            {
                Assert.True(score >= threshold - slack, "accepted but the inequality fails: " + what);
                Assert.True(Close(applied, update, 1e-5), $"applied {Show(update)}, expected {Show(applied)}: {what}");
                for (int j = 0; j < d; j++) x[j] -= (float)gamma * update[j];
                version++;
            }
            else
            {
                Assert.True(score < threshold + slack, "rejected but the inequality holds: " + what);
            }
        }
    }
}
