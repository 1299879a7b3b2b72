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

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void FedBuff_AnyStream_EveryKthMessageAppliesEtaTimesTheMeanOfItsBuffer(GradientCase c)
    {
        int k = 1 + (int)(c.Seed % 4);
        var rule = AggregatorCatalog.BuiltIn.CreateAsync($"fedbuff:k={k},eta=0.5,staleness=sqrt");
        var (decisions, updates) = Play(rule, c.Rows, c.Count);
        for (int i = 0; i < c.Rows.Length; i++)
        {
            bool flush = (i + 1) % k == 0;
            Assert.Equal(flush, decisions[i].Accepted);
            Assert.Equal(!flush, decisions[i].Held);
            if (!flush) continue;
            var expected = new float[c.Dimension];
            for (int j = 0; j < c.Dimension; j++)
            {
                double sum = 0;
                for (int m = i - k + 1; m <= i; m++) sum += 1.0 / Math.Sqrt(1.0 + m % 3) * c.Rows[m][j];
                expected[j] = (float)(sum * (0.5 / k));
            }
            Assert.Equal(expected, updates[i]);
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Basgd_AnyStream_UpdatesWhenEveryBufferIsFilled_MedianOfBufferMeans(GradientCase c)
    {
        const int b = 3;
        var rule = AggregatorCatalog.BuiltIn.CreateAsync($"basgd:b={b},rule=median", new AggregatorBuildContext(DeclaredByzantine: 1));
        var rng = RandomStreams.Derive(c.Seed, StreamPurpose.Attack, 13);
        int d = c.Dimension;
        var sums = new double[b, d];
        var counts = new int[b];
        foreach (var row in c.Rows.Concat(c.Rows))
        {
            int worker = (int)rng.NextInt(7);
            var update = new float[d];
            var decision = rule.Decide(new AsyncMessage(worker, 0, 0, row), new AggregationContext { LearningRate = Gamma }, update);
            int buffer = worker % b;
            counts[buffer]++;
            for (int j = 0; j < d; j++) sums[buffer, j] += row[j];
            bool full = counts.All(n => n > 0);
            Assert.Equal(full, decision.Accepted);
            Assert.Equal(!full, decision.Held);
            if (!full) continue;
            for (int j = 0; j < d; j++)
            {
                var means = Enumerable.Range(0, b).Select(i => (float)(sums[i, j] * (1.0 / counts[i]))).ToArray();
                if (means.Any(float.IsNaN)) continue; // how median orders NaN is the median rule's contract, not BASGD's
                Array.Sort(means);
                Assert.Equal(means[1], update[j]);
            }
            Array.Clear(sums);
            Array.Clear(counts);
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void FedAsync_AnyStaleMessage_MixesTheClientModelWithWeightAlphaS(GradientCase c)
    {
        // The server moves through versions 0..V with models built from the rows; each later row is
        // sent by a worker that read a random earlier version under that version's learning rate.
        var rows = c.Rows.Where(r => r.All(v => float.IsFinite(v) && Math.Abs(v) < 1e3f)).ToArray();
        if (rows.Length < 2) return;
        var rng = RandomStreams.Derive(c.Seed, StreamPurpose.Attack, 17);
        double alpha = 0.1 + 0.9 * rng.NextDouble();
        var rule = AggregatorCatalog.BuiltIn.CreateAsync(FormattableString.Invariant($"fedasync:alpha={alpha},s=polynomial,a=0.5,window=100"));
        int d = c.Dimension;
        var models = new List<float[]> { new float[d] };
        var gammas = new List<double> { 0.1 };
        foreach (var u in rows)
        {
            long version = models.Count - 1;
            long read = (long)rng.NextInt((int)version + 1);
            var x = models[^1];
            double gamma = gammas[^1];
            var update = new float[d];
            var decision = rule.Decide(new AsyncMessage(0, read, version - read, u), new AggregationContext { Model = x, LearningRate = gamma, Round = version }, update);
            Assert.True(decision.Accepted, decision.Reason);
            double alphaS = alpha * DetMath.Pow(version - read + 1, -0.5);
            var next = new float[d];
            for (int j = 0; j < d; j++)
            {
                next[j] = x[j] - (float)gamma * update[j];
                double client = models[(int)read][j] - gammas[(int)read] * u[j];
                double expected = (1 - alphaS) * x[j] + alphaS * client;
                double scale = 1 + Math.Abs(x[j]) + Math.Abs(client) + Math.Abs(models[(int)read][j]);
                Assert.True(Math.Abs(next[j] - expected) <= 1e-4 * scale, $"coordinate {j}: {next[j]} vs (1 − α_s)x + α_s·x_client = {expected}");
            }
            models.Add(next);
            gammas.Add(0.05 + 0.1 * rng.NextDouble());
        }
    }
}
