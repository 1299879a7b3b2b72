using System.Globalization;

namespace SimByz.Bench.Aggregation;

/// <summary>
/// Issue 16's aggregation targets, judged on the times of one <see cref="AggregatorBenchmarks"/> run: each rule's ratio to
/// the best read floor of its shape in the same run, whether it meets its target, whether a compute floor of the same run
/// already rules the target out, and how much faster than its torch twin it is.
/// </summary>
/// <remarks>
/// <para>No BenchmarkDotNet type here, so that the unit tests compile this file as it is (tests/Unit links it) and check
/// the verdicts on made-up timings; <see cref="AggregatorVerdictConfig"/> feeds it a summary's means.</para>
/// <para>The read floor of a shape is the fastest of <see cref="ReadFloors"/> measured at that shape. A target is
/// <b>ruled out</b> in a run when the faster width of a compute floor that bounds the rule from below, divided by that read
/// floor, already exceeds the target: the pairs' FMAs (<c>floor:fma-peak-pairs</c>, <c>-512</c>) for Krum, Multi-Krum and
/// Bulyan, whose documented distance order forms every pair's distance; the minima and maxima of a full sort
/// (<c>floor:minmax-peak-sort</c>, <c>-512</c>) for meamed, whose documented sum runs over its window in rank order. Bulyan's
/// second stage (a sort of θ = n − 2f values per coordinate) is not added: the run measures no floor for θ wires, so the
/// pairs' floor alone is Bulyan's, which understates it.</para>
/// </remarks>
internal static class IssueTargets
{
    /// <summary>The cases that read the input once; the fastest at a shape is that shape's read floor.</summary>
    public static readonly IReadOnlyList<string> ReadFloors =
        ["floor:sum-1-thread", "floor:sum-all-threads", "floor:sum-alternating", "floor:torch-sum"];

    /// <summary>The pairs' compute floor at two widths; the faster counts.</summary>
    public static readonly IReadOnlyList<string> PairsFloors = ["floor:fma-peak-pairs", "floor:fma-peak-pairs-512"];

    /// <summary>The full sort's compute floor at two widths; the faster counts.</summary>
    public static readonly IReadOnlyList<string> SortFloors = ["floor:minmax-peak-sort", "floor:minmax-peak-sort-512"];

    /// <summary>The issue's nine rules and their targets, as ratios to the read floor, in the issue's order.</summary>
    public static readonly IReadOnlyList<(string Rule, double Target)> Targets =
    [
        ("mean", 1.3), ("median", 4), ("trimmed-mean:b=4", 4), ("meamed:f=4", 4), ("krum:f=4", 3), ("multi-krum:f=4", 3),
        ("cc:tau=100,iters=1", 2.5), ("geometric-median", 7), ("bulyan:f=4", 8),
    ];

    /// <summary>The two shapes the issue names; each rule has a target at both.</summary>
    public static readonly IReadOnlyList<string> Shapes = ["20x1000000", "100x100000"];

    /// <summary>The torch twin's case of a rule.</summary>
    public static string Twin(string rule) => "torch:" + rule;

    /// <summary>One case's mean time in a run.</summary>
    public readonly record struct Timing(string Shape, string Case, double MeanNs);

    /// <summary>A target's verdict at one shape.</summary>
    public enum Outcome
    {
        /// <summary>The rule's ratio is at most its target.</summary>
        Met,
        /// <summary>Above the target, and no compute floor of the run rules the target out.</summary>
        Missed,
        /// <summary>A compute floor of the run alone is above the target times the read floor.</summary>
        RuledOut,
    }

    /// <summary>A rule's figures at one shape; <see cref="ComputeFloorRatio"/> and <see cref="TwinSpeedup"/> are null when the run lacks them.</summary>
    public sealed record Verdict(string Rule, string Shape, double Target, double Ratio, Outcome Outcome, double? ComputeFloorRatio, double? TwinSpeedup);

    /// <summary>The read floor of a shape: the fastest read-floor case measured there, or null when none was.</summary>
    public static Timing? ReadFloor(IReadOnlyList<Timing> run, string shape) => Fastest(run, shape, ReadFloors);

    /// <summary>The compute floor that bounds <paramref name="rule"/> from below at a shape (null when there is none, or the run lacks it).</summary>
    public static Timing? ComputeFloor(IReadOnlyList<Timing> run, string shape, string rule) => rule switch
    {
        "krum:f=4" or "multi-krum:f=4" or "bulyan:f=4" => Fastest(run, shape, PairsFloors),
        "meamed:f=4" => Fastest(run, shape, SortFloors),
        _ => null,
    };

    /// <summary>Every target whose rule and read floor the run measured, shape by shape, in the issue's order.</summary>
    public static IReadOnlyList<Verdict> Judge(IReadOnlyList<Timing> run)
    {
        var verdicts = new List<Verdict>();
        foreach (string shape in Shapes)
        {
            if (ReadFloor(run, shape) is not { } floor) continue;
            foreach (var (rule, target) in Targets)
            {
                if (Find(run, shape, rule) is not { } timed) continue;
                double ratio = timed.MeanNs / floor.MeanNs;
                double? computeRatio = ComputeFloor(run, shape, rule) is { } compute ? compute.MeanNs / floor.MeanNs : null;
                double? twin = Find(run, shape, Twin(rule)) is { } twinTimed ? twinTimed.MeanNs / timed.MeanNs : null;
                var outcome = ratio <= target ? Outcome.Met : computeRatio > target ? Outcome.RuledOut : Outcome.Missed;
                verdicts.Add(new Verdict(rule, shape, target, ratio, outcome, computeRatio, twin));
            }
        }
        return verdicts;
    }

    /// <summary>
    /// The lines a run prints after its table: each shape's floors, each target's verdict, and the tally (how many of the
    /// targets measured were met, how many a compute floor rules out, and the closest twin).
    /// </summary>
    public static IReadOnlyList<string> Report(IReadOnlyList<Timing> run)
    {
        var lines = new List<string> { "// Issue 16's targets in this run, each rule's mean over the best read floor of its shape (same run):" };
        foreach (string shape in Shapes)
        {
            if (ReadFloor(run, shape) is not { } floor)
            {
                if (run.Any(t => t.Shape == shape)) lines.Add($"//   {shape}: no read floor measured, no verdict");
                continue;
            }
            var floors = new List<string> { Invariant($"read floor {floor.Case} {Micro(floor.MeanNs)} µs") };
            if (Fastest(run, shape, PairsFloors) is { } pairs) floors.Add(Invariant($"pairs' FMA floor {pairs.Case} {Micro(pairs.MeanNs)} µs ({pairs.MeanNs / floor.MeanNs:F2}×)"));
            if (Fastest(run, shape, SortFloors) is { } sort) floors.Add(Invariant($"full sort's min/max floor {sort.Case} {Micro(sort.MeanNs)} µs ({sort.MeanNs / floor.MeanNs:F2}×)"));
            lines.Add($"//   {shape}: {string.Join("; ", floors)}");
        }
        var verdicts = Judge(run);
        lines.AddRange(verdicts.Select(VerdictLine));
        if (verdicts.Count == 0)
        {
            lines.Add("//   no target measured with its read floor in this run");
            return lines;
        }
        var ruledOut = verdicts.Where(v => v.Outcome == Outcome.RuledOut).Select(v => $"{v.Rule} at {v.Shape}").ToList();
        lines.Add($"// met: {Scope(verdicts)}; ruled out by this run's compute floors: {(ruledOut.Count == 0 ? "none" : string.Join(", ", ruledOut))}");
        if (TwinLine(verdicts) is { } twins) lines.Add(twins);
        return lines;
    }

    /// <summary>A rule's paired figures at one shape (<see cref="AggregatorPairedBenchmark"/>): the median over the invocations
    /// of its time over the fastest floor of the same invocation, and of its twin's time over its own.</summary>
    public readonly record struct PairedRatio(string Shape, string Rule, double Ratio, double TwinSpeedup);

    /// <summary>
    /// The lines the paired run prints after its table: each target's verdict on the paired ratio (met or missed; the paired
    /// run measures no compute floor, so nothing is ruled out there) and the tally. Rules without a target are left out.
    /// </summary>
    public static IReadOnlyList<string> PairedReport(IReadOnlyList<PairedRatio> run)
    {
        var lines = new List<string> { "// Issue 16's targets on the paired ratios (each invocation's rule time over the fastest floor of the same invocation, median over the invocations):" };
        var verdicts = new List<Verdict>();
        foreach (string shape in Shapes)
        {
            foreach (var (rule, target) in Targets)
            {
                if (run.FirstOrDefault(r => r.Shape == shape && r.Rule == rule) is not { Rule: not null } p || !double.IsFinite(p.Ratio)) continue;
                verdicts.Add(new Verdict(rule, shape, target, p.Ratio, p.Ratio <= target ? Outcome.Met : Outcome.Missed, null, p.TwinSpeedup));
            }
        }
        lines.AddRange(verdicts.Select(VerdictLine));
        if (verdicts.Count == 0)
        {
            lines.Add("//   no rule with a target was measured");
            return lines;
        }
        lines.Add($"// paired, met: {Scope(verdicts)}");
        if (TwinLine(verdicts) is { } twins) lines.Add(twins);
        return lines;
    }

    /// <summary>One target's line of a report.</summary>
    private static string VerdictLine(Verdict v)
    {
        string compute = v.ComputeFloorRatio is { } c ? Invariant($", compute floor {c:F2}×") : "";
        string twin = v.TwinSpeedup is { } s ? Invariant($", twin ÷ rule {s:F1}") : ", no twin";
        return Invariant($"//   {v.Shape,-10} {v.Rule,-18} {v.Ratio,6:F2}× (target ≤ {v.Target}×): {Word(v.Outcome)}{compute}{twin}");
    }

    /// <summary>"N of the 18 ratio targets", or "N of the M ratio targets measured (of 18)" for a partial run.</summary>
    private static string Scope(IReadOnlyList<Verdict> verdicts)
    {
        int met = verdicts.Count(v => v.Outcome == Outcome.Met), all = Targets.Count * Shapes.Count;
        return verdicts.Count == all ? $"{met} of the {all} ratio targets" : $"{met} of the {verdicts.Count} ratio targets measured (of {all})";
    }

    /// <summary>How many rules beat their twin and the closest, or null when no twin was measured.</summary>
    private static string? TwinLine(IReadOnlyList<Verdict> verdicts)
    {
        var twins = verdicts.Where(v => v.TwinSpeedup is not null).ToList();
        if (twins.Count == 0) return null;
        var closest = twins.MinBy(v => v.TwinSpeedup!.Value)!;
        return Invariant($"// faster than its torch twin: {twins.Count(v => v.TwinSpeedup > 1)} of {twins.Count} (closest: {closest.Rule} at {closest.Shape}, {closest.TwinSpeedup:F1}×)");
    }

    /// <summary>The verdict as the report writes it.</summary>
    public static string Word(Outcome outcome) => outcome switch
    {
        Outcome.Met => "met",
        Outcome.Missed => "missed",
        _ => "ruled out",
    };

    private static Timing? Find(IReadOnlyList<Timing> run, string shape, string @case)
    {
        foreach (var t in run)
        {
            if (t.Shape == shape && t.Case == @case && double.IsFinite(t.MeanNs) && t.MeanNs > 0) return t;
        }
        return null;
    }

    private static Timing? Fastest(IReadOnlyList<Timing> run, string shape, IReadOnlyList<string> cases)
    {
        Timing? best = null;
        foreach (string @case in cases)
        {
            if (Find(run, shape, @case) is { } t && (best is null || t.MeanNs < best.Value.MeanNs)) best = t;
        }
        return best;
    }

    private static string Micro(double ns) => (ns / 1000).ToString("N0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
