using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Testing.Aggregation;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Aggregation;

/// <summary>
/// Asynchronous rules beyond Zeno++ (Kardam, AFLGuard, FedBuff, BASGD, FedAsync): the rows of a
/// gradient case are played as a stream of messages, worker i mod w, the model moving as a plain
/// server would move it, and each rule's decision is checked against its definition.
/// </summary>
public class AsyncRuleProperties
{
    private const double Gamma = 0.1;

    /// <summary>Plays <paramref name="rows"/> through <paramref name="rule"/>; returns the decisions and the applied updates.</summary>
    private static (AsyncDecision[] Decisions, float[][] Updates) Play(IAsyncAggregator rule, float[][] rows, int workers, Func<float[], AggregationContext>? context = null)
    {
        int d = rows[0].Length;
        var model = new float[d];
        var decisions = new AsyncDecision[rows.Length];
        var updates = new float[rows.Length][];
        for (int i = 0; i < rows.Length; i++)
        {
            var update = new float[d];
            var ctx = context?.Invoke(model) ?? new AggregationContext { Model = model.ToArray(), LearningRate = Gamma, Round = i };
            decisions[i] = rule.Decide(new AsyncMessage(i % workers, i, i % 3, rows[i]), ctx, update);
            updates[i] = update;
            if (decisions[i].Accepted)
            {
                for (int j = 0; j < d; j++) model[j] -= (float)Gamma * update[j];
            }
            else
            {
                // A rejected message still moves time on: a second model change keeps Kardam's Δx non-zero.
                model[i % d] += 0.25f;
            }
        }
        return (decisions, updates);
    }

    private static float[][] Scaled(float[][] rows, float c) => rows.Select(r => r.Select(v => v * c).ToArray()).ToArray();

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Kardam_AnyStream_DecisionsScaleInvariantAndUpdatesDamped(GradientCase c)
    {
        // Scaling every gradient by 2 (exact in float32) scales every coefficient by 2 and the
        // quantile with them: no decision changes. Only the model path differs, so the model is
        // driven by the decisions of the unscaled run (the same by the claim under test).
        int workers = Math.Max(1, c.Count / 2);
        var rows = c.Rows.Where(r => r.All(float.IsFinite) && r.All(v => (v == 0 || (Math.Abs(v) > 1e-10f && Math.Abs(v) < 1e18f)))).ToArray();
        if (rows.Length == 0) return;
        int f = (workers - 1) / 3;
        string spec = $"kardam:n={workers},f={f},damping=exp,beta=0.5";
        var models = new List<float[]>();
        var (first, firstUpdates) = Play(AggregatorCatalog.BuiltIn.CreateAsync(spec), rows, workers, m => { models.Add(m.ToArray()); return new AggregationContext { Model = m.ToArray(), LearningRate = Gamma }; });
        int k = 0;
        var (second, _) = Play(AggregatorCatalog.BuiltIn.CreateAsync(spec), Scaled(rows, 2f), workers, _ => new AggregationContext { Model = models[k++], LearningRate = Gamma });
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.True(first[i].Accepted == second[i].Accepted, $"message {i}: accepted {first[i].Accepted} at scale 1, {second[i].Accepted} at scale 2");
            if (!first[i].Accepted) continue;
            float damp = (float)DetMath.Exp(-0.5 * (i % 3));
            for (int j = 0; j < rows[i].Length; j++) Assert.Equal(rows[i][j] * damp, firstUpdates[i][j]);
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Kardam_NoByzantineTolerated_AcceptsEveryFiniteMessage(GradientCase c)
    {
        // f = 0: the threshold is the largest coefficient seen, which includes the message's own.
        var rows = c.Rows.Where(r => r.All(float.IsFinite)).ToArray();
        if (rows.Length == 0) return;
        var (decisions, _) = Play(AggregatorCatalog.BuiltIn.CreateAsync("kardam:n=3,f=0,damping=none"), rows, 3);
        Assert.All(decisions, dec => Assert.True(dec.Accepted, dec.Reason));
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void AflGuard_AnyMessage_AcceptedIffWithinLambdaOfTheServerGradient(GradientCase c)
    {
        var rng = RandomStreams.Derive(c.Seed, StreamPurpose.Attack, 11);
        int d = c.Dimension;
        var center = Enumerable.Range(0, d).Select(_ => 4 * rng.NextDouble() - 2).ToArray();
        var oracle = QuadraticValidationOracle.Isotropic(center);
        double lambda = 0.5 + 2 * rng.NextDouble();
        var rule = AggregatorCatalog.BuiltIn.CreateAsync(FormattableString.Invariant($"aflguard:lambda={lambda}"));
        var model = c.Honest[0].Select(v => v * 0.5f).ToArray();
        var gs = new float[d];
        oracle.LossAndGradient(model, gs);
        foreach (var g in c.Rows)
        {
            var update = new float[d];
            var decision = rule.Decide(new AsyncMessage(0, 0, 0, g), new AggregationContext { Model = model, Oracle = oracle, LearningRate = Gamma }, update);
            if (!g.All(float.IsFinite))
            {
                Assert.False(decision.Accepted);
                continue;
            }
            double distance = Math.Sqrt(g.Select((v, j) => ((double)v - gs[j]) * ((double)v - gs[j])).Sum());
            double bound = lambda * Math.Sqrt(gs.Sum(v => (double)v * v));
            if (Math.Abs(distance - bound) <= 1e-6 * Math.Max(1, bound)) continue; // float32 rounding decides ties
            Assert.True((distance <= bound) == decision.Accepted, $"distance {distance}, bound {bound}, accepted {decision.Accepted}");
            Assert.Equal(decision.Accepted ? g : new float[d], update);
        }
        // The server's own gradient always passes.
        Assert.True(rule.Decide(new AsyncMessage(0, 0, 0, gs.ToArray()), new AggregationContext { Model = model, Oracle = oracle, LearningRate = Gamma }, new float[d]).Accepted);
    }
}
