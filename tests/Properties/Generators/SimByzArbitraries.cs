using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;

namespace SimByz.Tests.Properties.Generators;

/// <summary>
/// A gradient batch for aggregation properties: honest rows drawn around a common mean, then
/// Byzantine rows, each with a label saying how it was made (catalogue attack spec, "huge", "nan",
/// "copy", "tie", "arbitrary").
/// </summary>
/// <remarks>Values are on a coarse grid (multiples of 1/8 for honest rows) so a shrunk counterexample
/// prints short numbers. <see cref="Rows"/> is honest rows first, then Byzantine rows.</remarks>
public sealed record GradientCase(float[][] Honest, float[][] Byzantine, string[] Labels, ulong Seed)
{
    public int Dimension => Honest[0].Length;

    public int HonestCount => Honest.Length;

    public int ByzantineCount => Byzantine.Length;

    public int Count => Honest.Length + Byzantine.Length;

    /// <summary>Honest rows then Byzantine rows.</summary>
    public float[][] Rows => [.. Honest, .. Byzantine];

    public GradientBatch Batch => GradientBatch.FromRows(Rows);

    /// <summary>The case with only the first <paramref name="q"/> Byzantine rows.</summary>
    public GradientCase WithByzantine(int q) => this with { Byzantine = Byzantine[..q], Labels = Labels[..q] };

    public override string ToString()
    {
        static string Row(float[] r) => "[" + string.Join(", ", r.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";
        return $"d={Dimension}, honest {HonestCount}: {string.Join(" ", Honest.Select(Row))}; byzantine {ByzantineCount}: "
            + string.Join(" ", Byzantine.Select((r, i) => $"{Labels[i]}={Row(r)}")) + $"; seed {Seed}";
    }
}

/// <summary>
/// A batch whose columns hold many repeated values, for the closest-to-the-median rules: n rows of d
/// values, each drawn from a palette of 1–4 values, with <paramref name="F"/> valid for meamed
/// (n &gt; 2f) and <paramref name="BulyanF"/> for bulyan (n ≥ 4f+3).
/// </summary>
public sealed record RepeatedValuesCase(float[][] Rows, int F, int BulyanF)
{
    public int Count => Rows.Length;

    public int Dimension => Rows[0].Length;

    public override string ToString()
    {
        static string Show(float v) => v.ToString("R", CultureInfo.InvariantCulture);
        var columns = Enumerable.Range(0, Dimension).Select(j => "[" + string.Join(", ", Rows.Select(r => Show(r[j]))) + "]");
        return $"n={Count}, d={Dimension}, f={F}, bulyan f={BulyanF}; columns {string.Join(" ", columns)}";
    }
}

/// <summary>The seed of one Monte Carlo experiment.</summary>
public sealed record MonteCarloSeed(ulong Seed);

/// <summary>A Zeno robustness case: n workers, q of them Byzantine running <paramref name="Attack"/>, Zeno dropping b ≥ q.</summary>
public sealed record RobustnessCase(int Workers, int Byzantine, int Dropped, string Attack, ulong Seed)
{
    public override string ToString() => $"n={Workers}, q={Byzantine}, b={Dropped}, attack {Attack}, seed {Seed}";
}

/// <summary>A small scenario configuration for simulator invariants (the overrides of <c>ScenarioExtensions.With</c>).</summary>
/// <param name="Workers">n.</param>
/// <param name="Byzantine">q, any of 0..n−1.</param>
/// <param name="Async">Protocol kind.</param>
/// <param name="Wait">Sync wait mode: all, first-k or deadline.</param>
/// <param name="K">first-k's k.</param>
/// <param name="DeadlineMs">deadline's round length.</param>
/// <param name="MaxStaleness">Async staleness bound (−1: none).</param>
/// <param name="Compute">Compute delay spec.</param>
/// <param name="Network">Network delay spec.</param>
/// <param name="Attack">Gradient attack spec.</param>
/// <param name="Defence">Defence spec (sync rule, or async rule / buffered sync rule).</param>
/// <param name="AsyncBuffer">Async with a sync rule: buffer size (0 for async rules).</param>
/// <param name="Seed">Scenario seed.</param>
/// <param name="Steps">Budget steps.</param>
public sealed record ScenarioCase(int Workers, int Byzantine, bool Async, string Wait, int K, int DeadlineMs, long MaxStaleness,
    string Compute, string Network, string Attack, string Defence, int AsyncBuffer, ulong Seed, int Steps)
{
    /// <summary>The <c>--set</c> overrides that turn the base scenario into this one.</summary>
    public string[] Sets()
    {
        var sets = new List<string>
        {
            $"seed={Seed}",
            $"workers.count={Workers}",
            $"workers.compute=\"{Compute}\"",
            $"workers.network=\"{Network}\"",
            $"byzantine.count={Byzantine}",
            Byzantine > 0 ? $"byzantine.attack=\"{Attack}\"" : "byzantine.attack=null",
            $"protocol.kind={(Async ? "async" : "sync")}",
            $"defences=[\"{Defence}\"]",
            $"budget.steps={Steps}",
        };
        if (Async)
        {
            sets.Add($"protocol.maxStaleness={MaxStaleness}");
            if (AsyncBuffer > 0) sets.Add($"protocol.asyncBuffer={AsyncBuffer}");
        }
        else
        {
            sets.Add($"protocol.wait={Wait}");
            if (Wait == "first-k") sets.Add($"protocol.k={K}");
            if (Wait == "deadline") sets.Add($"protocol.deadline={DeadlineMs}ms");
        }
        return [.. sets];
    }

    public override string ToString() => string.Join(" ", Sets());
}

/// <summary>
/// Every FsCheck generator of the aggregation, attack and simulator properties (CONVENTIONS.md:
/// generators in one class). Use with <c>[BudgetedProperty(Arbitrary = [typeof(SimByzArbitraries)])]</c>.
/// </summary>
/// <remarks>
/// <para>Gradient batches: 1–8 honest rows of dimension 1–6 around a mean in [−2, 2]ᵈ with spread 0,
/// 0.5 or 1 (spread 0 gives exact copies), then 0–7 Byzantine rows, each one of: a row of a
/// catalogue attack crafted from the honest rows (<see cref="CatalogueAttacks"/>), a huge-norm row
/// (±1e6…1e30), a row holding NaN or ±∞, an exact copy of an honest row, a near tie (an honest row
/// moved by one float32 ulp), or an arbitrary grid row. The shrinker removes Byzantine rows, then
/// honest rows (keeping one), then the last coordinate, then moves values to 0 or to integers.</para>
/// <para>Repeated-value batches (<see cref="RepeatedValuesCase"/>): n in 3..23, d in 1..19 (so both the
/// 8-lane and the scalar path of the coordinate-wise kernel run), every value from a palette of 1–4
/// multiples of ½ in [−4, 4], a palette entry NaN or ±∞ one time in 15: columns full of equal values and
/// of values at equal distance below and above their median.</para>
/// <para>Scenarios: n in 2..7, any q in 0..n−1, sync (all / first-k / deadline) or async (with or
/// without a staleness bound, async-sgd / zenopp / buffered median), every delay-model family.</para>
/// </remarks>
public static class SimByzArbitraries
{
    /// <summary>Gradient attacks of the catalogue that craft rows from the honest rows alone (the
    /// adaptive optimal-* ones need a defence, omission sends nothing).</summary>
    public static readonly string[] CatalogueAttacks =
    [
        "sign-flip:s=4", "sign-flip:s=1,of=mean", "bitflip", "gaussian:sigma=200", "ipm:eps=0.1", "ipm:eps=100", "alie:z=1",
        "alie:variant=byzfl", "mimic", "nonfinite:kind=mixed", "large-norm", "zero", "honest", "zeno-aware:target=zeno",
    ];

    private static Gen<float> Grid(int lo, int hi, float step) => Gen.Choose(lo, hi).Select(i => i * step);

    private abstract record ByzSpec;

    private sealed record FromAttack(string Spec) : ByzSpec;

    private sealed record Huge(int Exponent, bool Negative, int Coordinate) : ByzSpec;

    private sealed record NonFiniteRow(int Kind, int Coordinate) : ByzSpec;

    private sealed record Copy(int Pick) : ByzSpec;

    private sealed record NearTie(int Pick, int Coordinate, bool Up) : ByzSpec;

    private sealed record Arbitrary(float[] Values) : ByzSpec;

    private static Gen<ByzSpec> ByzantineSpec(int d) => Gen.Frequency(
        (4, Gen.Elements(CatalogueAttacks).Select(s => (ByzSpec)new FromAttack(s))),
        (1, from e in Gen.Elements(6, 12, 20, 30) from neg in Gen.Elements(false, true) from c in Gen.Choose(0, d - 1) select (ByzSpec)new Huge(e, neg, c)),
        (1, from k in Gen.Choose(0, 2) from c in Gen.Choose(0, d - 1) select (ByzSpec)new NonFiniteRow(k, c)),
        (1, Gen.Choose(0, 100).Select(p => (ByzSpec)new Copy(p))),
        (1, from p in Gen.Choose(0, 100) from c in Gen.Choose(0, d - 1) from up in Gen.Elements(false, true) select (ByzSpec)new NearTie(p, c, up)),
        (2, Gen.ArrayOf(Grid(-40, 40, 0.25f), d).Select(v => (ByzSpec)new Arbitrary(v))));

    /// <summary>Gradient cases as described on the class.</summary>
    public static Gen<GradientCase> GradientCases { get; } =
        from d in Gen.Choose(1, 6)
        from h in Gen.Choose(1, 8)
        from mean in Gen.ArrayOf(Grid(-16, 16, 0.125f), d)
        from spread in Gen.Elements(0f, 0.5f, 1f)
        from noise in Gen.ArrayOf(Gen.ArrayOf(Grid(-8, 8, 0.125f), d), h)
        from q in Gen.Choose(0, 7)
        from specs in Gen.ArrayOf(ByzantineSpec(d), q)
        from seed in SchedulerArbitraries.Seed
        select Build(mean, spread, noise, specs, seed);

    private static GradientCase Build(float[] mean, float spread, float[][] noise, ByzSpec[] specs, ulong seed)
    {
        int d = mean.Length;
        var honest = noise.Select(z => Enumerable.Range(0, d).Select(j => mean[j] + spread * z[j]).ToArray()).ToArray();
        var byz = new float[specs.Length][];
        var labels = new string[specs.Length];
        var honestBatch = GradientBatch.FromRows(honest);
        for (int i = 0; i < specs.Length; i++)
        {
            (byz[i], labels[i]) = specs[i] switch
            {
                FromAttack a => (Craft(a.Spec, honestBatch, specs.Length, seed + (ulong)i), a.Spec),
                Huge x => (Enumerable.Range(0, d).Select(j => j == x.Coordinate ? (x.Negative ? -1f : 1f) * float.Parse($"1e{x.Exponent}", CultureInfo.InvariantCulture) : honest[0][j]).ToArray(), "huge"),
                NonFiniteRow x => (Enumerable.Range(0, d).Select(j => j == x.Coordinate ? x.Kind switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity } : honest[0][j]).ToArray(), "nonfinite"),
                Copy c => ((float[])honest[c.Pick % honest.Length].Clone(), "copy"),
                NearTie t => (Enumerable.Range(0, d).Select(j => j == t.Coordinate ? (t.Up ? MathF.BitIncrement(honest[t.Pick % honest.Length][j]) : MathF.BitDecrement(honest[t.Pick % honest.Length][j])) : honest[t.Pick % honest.Length][j]).ToArray(), "tie"),
                Arbitrary a => (a.Values, "arbitrary"),
                _ => throw new InvalidOperationException(),
            };
        }
        return new GradientCase(honest, byz, labels, seed);
    }

    /// <summary>One row of <paramref name="spec"/> crafted against <paramref name="honest"/> (the first of the q rows the attack would send).</summary>
    public static float[] Craft(string spec, GradientBatch honest, int q, ulong seed)
    {
        int d = honest.Dimension;
        var attack = AttackCatalog.BuiltIn.CreateGradientAttack(spec, new AttackBuildContext(seed, q));
        var model = new float[d];
        var output = new float[q * d];
        attack.Craft(new AttackContext
        {
            Honest = honest,
            OwnGradients = OwnGradients(honest, q),
            ByzantineCount = q,
            WorkerCount = honest.Count + q,
            Dimension = d,
            Model = model,
            LearningRate = 0.1,
            AggregationContext = new AggregationContext { Model = model, LearningRate = 0.1 },
            Rng = RandomStreams.Derive(seed, StreamPurpose.Attack, 0),
        }, output);
        return output[..d];
    }

    /// <summary>Honest rows cycled into q "own gradients" for attacks that read them.</summary>
    public static GradientBatch OwnGradients(GradientBatch honest, int q)
    {
        int d = honest.Dimension;
        var data = new float[q * d];
        for (int i = 0; i < q; i++) honest.Row(i % honest.Count).CopyTo(data.AsSpan(i * d, d));
        return new GradientBatch(data, q, d);
    }

    public static Arbitrary<GradientCase> Gradients() => Arb.From(GradientCases, ShrinkCase);

    private static IEnumerable<GradientCase> ShrinkCase(GradientCase c)
    {
        for (int i = c.ByzantineCount - 1; i >= 0; i--)
        {
            yield return c with { Byzantine = [.. c.Byzantine[..i], .. c.Byzantine[(i + 1)..]], Labels = [.. c.Labels[..i], .. c.Labels[(i + 1)..]] };
        }
        for (int i = c.HonestCount - 1; i >= 1; i--)
        {
            yield return c with { Honest = [.. c.Honest[..i], .. c.Honest[(i + 1)..]] };
        }
        if (c.Dimension > 1)
        {
            yield return c with { Honest = c.Honest.Select(r => r[..^1]).ToArray(), Byzantine = c.Byzantine.Select(r => r[..^1]).ToArray() };
        }
        foreach (var simpler in SimplerValues(c.Honest)) yield return c with { Honest = simpler };
        foreach (var simpler in SimplerValues(c.Byzantine))
        {
            // A simplified row is no longer what its label says it is.
            var labels = c.Labels.Select((l, i) => simpler[i].AsSpan().SequenceEqual(c.Byzantine[i]) ? l : "edited").ToArray();
            yield return c with { Byzantine = simpler, Labels = labels };
        }
    }

    /// <summary>The rows with one finite non-integer value rounded toward zero, or one non-zero value set to 0.</summary>
    private static IEnumerable<float[][]> SimplerValues(float[][] rows)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            for (int j = 0; j < rows[i].Length; j++)
            {
                float v = rows[i][j];
                if (v == 0 || !float.IsFinite(v)) continue;
                var copy = rows.Select(r => (float[])r.Clone()).ToArray();
                copy[i][j] = 0;
                yield return copy;
                if (MathF.Truncate(v) != v)
                {
                    var rounded = rows.Select(r => (float[])r.Clone()).ToArray();
                    rounded[i][j] = MathF.Truncate(v);
                    yield return rounded;
                }
            }
        }
    }

    private static Gen<float> PaletteValue { get; } = Gen.Frequency(
        (14, Grid(-8, 8, 0.5f)),
        (1, Gen.Elements(float.NaN, float.PositiveInfinity, float.NegativeInfinity)));

    /// <summary>Repeated-value batches as described on the class.</summary>
    public static Gen<RepeatedValuesCase> RepeatedValuesCases { get; } =
        from n in Gen.Choose(3, 23)
        from d in Gen.Choose(1, 19)
        from palette in Gen.Choose(1, 4).SelectMany(k => Gen.ArrayOf(PaletteValue, k))
        from picks in Gen.ArrayOf(Gen.ArrayOf(Gen.Choose(0, palette.Length - 1), d), n)
        from f in Gen.Choose(0, (n - 1) / 2)
        from bulyanF in Gen.Choose(0, Math.Max(0, (n - 3) / 4))
        select new RepeatedValuesCase(picks.Select(row => row.Select(k => palette[k]).ToArray()).ToArray(), f, bulyanF);

    public static Arbitrary<RepeatedValuesCase> RepeatedValues() => Arb.From(RepeatedValuesCases, ShrinkRepeated);

    private static IEnumerable<RepeatedValuesCase> ShrinkRepeated(RepeatedValuesCase c)
    {
        if (c.Dimension > 1) yield return c with { Rows = c.Rows.Select(r => r[..^1]).ToArray() };
        int n = c.Count - 1;
        if (n > 2 * c.F && n >= 4 * c.BulyanF + 3) yield return c with { Rows = c.Rows[..^1] };
        if (c.F > 0) yield return c with { F = c.F - 1 };
        if (c.BulyanF > 0) yield return c with { BulyanF = c.BulyanF - 1 };
    }

    public static Arbitrary<MonteCarloSeed> MonteCarloSeeds() => Arb.From(SchedulerArbitraries.Seed.Select(s => new MonteCarloSeed(s)));

    /// <summary>Gradient attacks of the catalogue for the Zeno robustness runs: all but omission
    /// (Zeno with b = q needs more than b inputs per round; an omitting worker sends none).</summary>
    public static readonly string[] RobustnessAttacks =
    [
        "sign-flip:s=4", "bitflip", "gaussian:sigma=200", "ipm:eps=0.1", "ipm:eps=100", "alie:z=1", "optimal-ipm", "optimal-alie",
        "zeno-aware:target=zeno", "mimic", "nonfinite", "large-norm", "zero", "honest",
    ];

    /// <summary>n in 3..7, any q in 0..n−1, b in q..min(q+1, n−1), a robustness attack.</summary>
    public static Arbitrary<RobustnessCase> RobustnessCases() => Arb.From(
        from n in Gen.Choose(3, 7)
        from q in Gen.Choose(0, n - 1)
        from extra in Gen.Choose(0, 1)
        from attack in Gen.Elements(RobustnessAttacks)
        from seed in Gen.Choose(0, 1_000_000)
        select new RobustnessCase(n, q, Math.Min(q + extra, n - 1), attack, (ulong)seed),
        c => c.Byzantine > 0 ? [c with { Byzantine = c.Byzantine - 1, Dropped = c.Dropped - 1 }] : []);

    /// <summary>One delay spec of every family, on a millisecond scale.</summary>
    public static readonly string[] DelaySpecs =
    [
        "constant:t=2ms", "uniform:min=1ms,max=3ms", "exponential:mean=2ms", "lognormal:mu=-6.2,sigma=0.5",
        "pareto:scale=1ms,alpha=2.5", "empirical:values=1ms;2ms;5ms", "shifted:offset=1ms+exponential:mean=2ms",
        "straggler:p=0.2,factor=10+uniform:min=1ms,max=2ms", "trace:values=1ms;3ms;2ms,on-end=loop",
    ];

    /// <summary>Attacks used in generated scenarios (every one runs in sync and async protocols).</summary>
    public static readonly string[] ScenarioAttacks = ["sign-flip:s=4", "ipm:eps=0.5", "gaussian:sigma=20", "nonfinite", "omission", "alie:z=1", "zero"];

    /// <summary>Small scenarios as described on the class.</summary>
    public static Gen<ScenarioCase> ScenarioCases { get; } =
        from n in Gen.Choose(2, 7)
        from q in Gen.Choose(0, n - 1)
        from isAsync in Gen.Elements(false, true)
        from wait in Gen.Elements("all", "first-k", "deadline")
        from k in Gen.Choose(1, n)
        from deadline in Gen.Choose(1, 12)
        from maxStaleness in Gen.Elements(-1L, 0L, 1L, 3L)
        from compute in Gen.Elements(DelaySpecs)
        from network in Gen.Elements(DelaySpecs)
        from attack in Gen.Elements(ScenarioAttacks)
        from syncDefence in Gen.Elements("mean", "median", "zeno:b=" + q, "trimmed-mean:b=0")
        from asyncDefence in Gen.Elements("async-sgd", "zenopp", "median")
        from seed in Gen.Choose(0, 1_000_000)
        from steps in Gen.Choose(3, 12)
        select new ScenarioCase(n, q, isAsync, wait, k, deadline, maxStaleness, compute, network, attack,
            isAsync ? asyncDefence : ZenoOnlyWhereValid(syncDefence, wait, attack), isAsync && asyncDefence == "median" ? Math.Min(n, 3) : 0, (ulong)seed, steps);

    /// <summary>Zeno with b = q needs more than b inputs in every round: only wait=all without omission guarantees n &gt; q of them.</summary>
    private static string ZenoOnlyWhereValid(string defence, string wait, string attack)
        => defence.StartsWith("zeno:", StringComparison.Ordinal) && (wait != "all" || attack == "omission") ? "median" : defence;

    public static Arbitrary<ScenarioCase> Scenarios() => Arb.From(ScenarioCases, ShrinkScenario);

    private static IEnumerable<ScenarioCase> ShrinkScenario(ScenarioCase s)
    {
        if (s.Steps > 1) yield return s with { Steps = 1 };
        if (s.Byzantine > 0) yield return s with { Byzantine = s.Byzantine - 1, Defence = s.Defence.StartsWith("zeno:", StringComparison.Ordinal) ? "zeno:b=" + (s.Byzantine - 1) : s.Defence };
        if (s.Workers > 2 && s.Byzantine < s.Workers - 1) yield return s with { Workers = s.Workers - 1, K = Math.Min(s.K, s.Workers - 1), AsyncBuffer = Math.Min(s.AsyncBuffer, s.Workers - 1) };
        if (s.Compute != DelaySpecs[0]) yield return s with { Compute = DelaySpecs[0] };
        if (s.Network != DelaySpecs[0]) yield return s with { Network = DelaySpecs[0] };
    }
}
