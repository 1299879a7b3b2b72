using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using SimByz.Scheduler;

namespace SimByz.Tests.Properties.Generators;

/// <summary>One operation of an event-queue script.</summary>
public abstract record QueueOp;

/// <summary>Schedule at (last popped time + <paramref name="Offset"/>) ns with <paramref name="Priority"/>.</summary>
public sealed record ScheduleOp(long Offset, int Priority) : QueueOp;

/// <summary>Dequeue the earliest event.</summary>
public sealed record PopOp : QueueOp;

/// <summary>Cancel the (<paramref name="Pick"/> mod count)-th handle issued so far (it may have fired already).</summary>
public sealed record CancelOp(int Pick) : QueueOp;

/// <summary>A queue with a (often tiny) initial capacity and a script of operations run against it.</summary>
public sealed record QueueScript(int InitialCapacity, QueueOp[] Ops)
{
    public override string ToString()
        => $"capacity {InitialCapacity}: " + string.Join(" ", Ops.Select(o => o switch
        {
            ScheduleOp s => $"S({s.Offset},{s.Priority})",
            CancelOp c => $"C{c.Pick}",
            _ => "P",
        }));
}

/// <summary>A hold-model run: <paramref name="Workers"/> workers, each drawing its delays from its own stream.</summary>
public sealed record HoldScenario(ulong Seed, int Workers, int Events, DelayModelOptions Delay)
{
    public override string ToString() => $"seed {Seed}, {Workers} workers, {Events} events, delay {Delay.ToSpec()}";
}

/// <summary>Stream identities: a root seed, a target (purpose, entity) and unrelated ones derived in between.</summary>
public sealed record StreamScenario(ulong Root, string Purpose, long Entity, (string Purpose, long Entity)[] Others, int Draws)
{
    public override string ToString()
        => $"root {Root}, target {Purpose}/{Entity}, others [{string.Join(", ", Others.Select(o => $"{o.Purpose}/{o.Entity}"))}], {Draws} draws";
}

/// <summary>Uniform on [min, min + width).</summary>
public sealed record UniformCase(double MinSeconds, double WidthSeconds, ulong Seed);

/// <summary>Exponential with the given mean.</summary>
public sealed record ExponentialCase(double MeanSeconds, ulong Seed);

/// <summary>Log-normal (mu, sigma of ln seconds).</summary>
public sealed record LognormalCase(double Mu, double Sigma, ulong Seed);

/// <summary>Pareto with scale and shape.</summary>
public sealed record ParetoCase(double ScaleSeconds, double Alpha, ulong Seed);

/// <summary>Empirical over the values.</summary>
public sealed record EmpiricalCase(double[] ValuesSeconds, ulong Seed)
{
    public override string ToString()
        => $"EmpiricalCase [{string.Join("; ", ValuesSeconds.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}], seed {Seed}";
}

/// <summary>Straggler mixture (p, factor) over a uniform base on [min, min + width).</summary>
public sealed record StragglerCase(double P, double Factor, double MinSeconds, double WidthSeconds, ulong Seed);

/// <summary>Offset plus a log-normal (mu, sigma).</summary>
public sealed record ShiftedCase(double OffsetSeconds, double Mu, double Sigma, ulong Seed);

/// <summary>
/// Every FsCheck generator of the scheduler properties (CONVENTIONS.md: generators in one class).
/// Use with <c>[BudgetedProperty(Arbitrary = [typeof(SchedulerArbitraries)])]</c>.
/// </summary>
/// <remarks>
/// Parameter ranges are chosen so the checks mean something: small time and priority ranges so
/// ties are frequent; tiny initial capacities so scripts cross several heap growths; distribution
/// parameters where the sample moments used by the statistical properties have finite higher
/// moments (see <c>DistributionProperties</c>).
/// </remarks>
public static class SchedulerArbitraries
{
    /// <summary>Any 64-bit seed (two 32-bit halves).</summary>
    public static Gen<ulong> Seed { get; } =
        from hi in Gen.Choose(int.MinValue, int.MaxValue)
        from lo in Gen.Choose(int.MinValue, int.MaxValue)
        select ((ulong)(uint)hi << 32) | (uint)lo;

    /// <summary>Uniform double in [lo, hi] on a grid of 10⁶ steps.</summary>
    public static Gen<double> Between(double lo, double hi) => Gen.Choose(0, 1_000_000).Select(i => lo + (hi - lo) * (i / 1e6));

    /// <summary>Log-uniform double in [lo, hi] (lo &gt; 0).</summary>
    public static Gen<double> LogBetween(double lo, double hi)
        => Between(Math.Log(lo), Math.Log(hi)).Select(Math.Exp);

    private static readonly Gen<QueueOp> Op = Gen.Frequency(
        (5, from offset in Gen.Choose(0, 12) from priority in Gen.Choose(-1, 1) select (QueueOp)new ScheduleOp(offset, priority)),
        (3, Gen.Constant((QueueOp)new PopOp())),
        (2, Gen.Choose(0, int.MaxValue).Select(pick => (QueueOp)new CancelOp(pick))));

    public static Arbitrary<QueueScript> QueueScripts()
    {
        var gen =
            from capacity in Gen.Elements(1, 2, 4, 16)
            from n in Gen.Sized(s => Gen.Choose(0, 10 * s + 20))
            from ops in Gen.ArrayOf(Op, n)
            select new QueueScript(capacity, ops);
        return Arb.From(gen, ShrinkScript);
    }

    private static IEnumerable<QueueScript> ShrinkScript(QueueScript script)
    {
        var ops = script.Ops;
        if (ops.Length == 0) yield break;
        yield return script with { Ops = ops[..(ops.Length / 2)] };
        for (int i = ops.Length - 1; i >= 0; i--)
        {
            yield return script with { Ops = [.. ops[..i], .. ops[(i + 1)..]] };
        }
    }

    /// <summary>A random valid delay model tree (leaves and up to two wrappers).</summary>
    public static Gen<DelayModelOptions> DelayModel { get; } = Gen.Sized(_ => DelayTree(2));

    private static Gen<DelayModelOptions> Leaf { get; } = Gen.OneOf(
        Between(0, 0.01).Select(s => (DelayModelOptions)new ConstantDelayOptions(s)),
        (from a in Between(0, 0.01) from w in Between(0, 0.01) select (DelayModelOptions)new UniformDelayOptions(a, a + w)),
        LogBetween(1e-6, 1).Select(m => (DelayModelOptions)new ExponentialDelayOptions(m)),
        (from mu in Between(-10, 0) from sigma in Between(0, 2) select (DelayModelOptions)new LognormalDelayOptions(mu, sigma)),
        (from scale in LogBetween(1e-6, 0.01) from alpha in Between(1, 5) select (DelayModelOptions)new ParetoDelayOptions(scale, alpha)),
        Gen.NonEmptyListOf(Between(0, 0.01)).Select(v => (DelayModelOptions)new EmpiricalDelayOptions([.. v])),
        Gen.NonEmptyListOf(Between(0, 0.01)).Select(v => (DelayModelOptions)new TraceDelayOptions([.. v], TraceEndBehavior.Loop)));

    private static Gen<DelayModelOptions> DelayTree(int depth)
    {
        if (depth == 0) return Leaf;
        var inner = DelayTree(depth - 1);
        return Gen.Frequency(
            (4, Leaf),
            (1, from offset in Between(0, 0.005) from d in inner select (DelayModelOptions)new ShiftedDelayOptions(offset, d)),
            (1, from p in Between(0, 1) from k in Between(1, 50) from d in inner select (DelayModelOptions)new StragglerDelayOptions(p, k, d)),
            (1, from v in Gen.NonEmptyListOf(Between(0, 0.01)) from d in inner select (DelayModelOptions)new TraceDelayOptions([.. v], TraceEndBehavior.Fallback, d)));
    }

    public static Arbitrary<HoldScenario> HoldScenarios() => Arb.From(
        from seed in Seed
        from workers in Gen.Choose(1, 12)
        from events in Gen.Choose(0, 400)
        from delay in DelayModel
        select new HoldScenario(seed, workers, events, delay));

    private static readonly string[] Purposes =
        [StreamPurpose.WorkerCompute, StreamPurpose.WorkerNetwork, StreamPurpose.WorkerData, StreamPurpose.Attack, StreamPurpose.WorkerAvailability];

    public static Arbitrary<StreamScenario> StreamScenarios() => Arb.From(
        from root in Seed
        from purpose in Gen.Elements(Purposes)
        from entity in Gen.Choose(0, 50)
        from others in Gen.ArrayOf(from p in Gen.Elements(Purposes) from e in Gen.Choose(0, 60) select (p, (long)e))
        from draws in Gen.Choose(1, 64)
        select new StreamScenario(root, purpose, entity, others.Where(o => o.Item1 != purpose || o.Item2 != entity).ToArray(), draws));

    public static Arbitrary<UniformCase> UniformCases() => Arb.From(
        from min in Between(0, 0.01) from width in LogBetween(1e-6, 0.01) from seed in Seed select new UniformCase(min, width, seed));

    public static Arbitrary<ExponentialCase> ExponentialCases() => Arb.From(
        from mean in LogBetween(1e-5, 1) from seed in Seed select new ExponentialCase(mean, seed));

    public static Arbitrary<LognormalCase> LognormalCases() => Arb.From(
        from mu in Between(-9, -2) from sigma in Between(0.05, 0.5) from seed in Seed select new LognormalCase(mu, sigma, seed));

    public static Arbitrary<ParetoCase> ParetoCases() => Arb.From(
        from scale in LogBetween(1e-5, 0.01) from alpha in Between(0.5, 40) from seed in Seed select new ParetoCase(scale, alpha, seed));

    public static Arbitrary<EmpiricalCase> EmpiricalCases() => Arb.From(
        from n in Gen.Choose(1, 8) from values in Gen.ArrayOf(Between(0, 0.01), n) from seed in Seed select new EmpiricalCase(values, seed));

    public static Arbitrary<StragglerCase> StragglerCases() => Arb.From(
        from p in Between(0, 0.5) from factor in Between(1, 20) from min in Between(0, 0.005) from width in LogBetween(1e-5, 0.005) from seed in Seed
        select new StragglerCase(p, factor, min, width, seed));

    public static Arbitrary<ShiftedCase> ShiftedCases() => Arb.From(
        from offset in Between(0, 0.01) from mu in Between(-9, -3) from sigma in Between(0.05, 0.5) from seed in Seed
        select new ShiftedCase(offset, mu, sigma, seed));
}
