using SimByz.Bench.Aggregation;
using Xunit;
using static SimByz.Bench.Aggregation.IssueTargets;

namespace SimByz.Tests.Unit.Bench;

/// <summary>
/// The verdicts the aggregation benchmark prints after its table (bench/Aggregation/IssueTargets.cs, linked here): each
/// ratio over the fastest read floor of its own shape, met at the target exactly and missed just above it, ruled out only
/// when the faster width of the rule's compute floor alone exceeds the target, and the tally over what was measured.
/// </summary>
public class IssueTargetsTests
{
    private const string Big = "20x1000000", Wide = "100x100000";

    private static Timing T(string shape, string @case, double microseconds) => new(shape, @case, microseconds * 1000);

    private static Verdict Only(IReadOnlyList<Timing> run, string shape, string rule)
        => Assert.Single(Judge(run), v => v.Shape == shape && v.Rule == rule);

    [Fact]
    public void The_read_floor_is_the_fastest_read_at_that_shape_and_ignores_other_shapes_and_unusable_means()
    {
        var run = new List<Timing>
        {
            T(Big, "floor:sum-1-thread", 3000), T(Big, "floor:sum-all-threads", 2000), T(Big, "floor:torch-sum", double.NaN),
            T(Big, "floor:sum-alternating", 0), T(Wide, "floor:torch-sum", 100),
            T(Big, "floor:fma-peak-pairs", 50), // a compute floor, never a read floor
        };
        Assert.Equal("floor:sum-all-threads", ReadFloor(run, Big)!.Value.Case);
        Assert.Equal("floor:torch-sum", ReadFloor(run, Wide)!.Value.Case);
        Assert.Null(ReadFloor([T(Big, "mean", 1000)], Big));
    }

    [Fact]
    public void A_ratio_at_the_target_is_met_and_one_above_it_is_missed()
    {
        var run = new List<Timing> { T(Big, "floor:sum-1-thread", 1000), T(Big, "mean", 1300), T(Big, "median", 4001) };
        var mean = Only(run, Big, "mean");
        Assert.Equal(1.3, mean.Ratio, 12);
        Assert.Equal(Outcome.Met, mean.Outcome);
        Assert.Equal(Outcome.Missed, Only(run, Big, "median").Outcome);
        Assert.Null(mean.ComputeFloorRatio);
        Assert.Null(mean.TwinSpeedup);
    }

    [Fact]
    public void A_target_is_ruled_out_only_when_the_faster_width_of_its_compute_floor_exceeds_it()
    {
        var run = new List<Timing>
        {
            T(Wide, "floor:torch-sum", 1000),
            // The 256-bit pairs' floor is above 3×, the 512-bit one below it: the faster counts, so Krum is only missed.
            T(Wide, "floor:fma-peak-pairs", 3500), T(Wide, "floor:fma-peak-pairs-512", 2900),
            T(Wide, "floor:minmax-peak-sort-512", 4200),
            T(Wide, "krum:f=4", 5000), T(Wide, "bulyan:f=4", 9000), T(Wide, "meamed:f=4", 4500), T(Wide, "median", 4500),
        };
        var krum = Only(run, Wide, "krum:f=4");
        Assert.Equal(Outcome.Missed, krum.Outcome);
        Assert.Equal(2.9, krum.ComputeFloorRatio!.Value, 12);
        Assert.Equal(Outcome.Missed, Only(run, Wide, "bulyan:f=4").Outcome); // the pairs' floor, 2.9×, is under 8×
        var meamed = Only(run, Wide, "meamed:f=4");
        Assert.Equal(Outcome.RuledOut, meamed.Outcome); // the sort's floor alone is 4.2× against 4×
        Assert.Equal(4.2, meamed.ComputeFloorRatio!.Value, 12);
        var median = Only(run, Wide, "median");
        Assert.Equal(Outcome.Missed, median.Outcome); // no compute floor bounds the median here
        Assert.Null(median.ComputeFloorRatio);

        run[2] = T(Wide, "floor:fma-peak-pairs-512", 3100);
        Assert.Equal(Outcome.RuledOut, Only(run, Wide, "krum:f=4").Outcome);
    }

    [Fact]
    public void A_rule_under_its_target_is_met_even_when_its_compute_floor_is_above()
    {
        // A compute floor above the rule's own time can only mean a drifting host; the verdict follows the rule's ratio.
        var run = new List<Timing> { T(Big, "floor:sum-1-thread", 1000), T(Big, "floor:fma-peak-pairs", 3500), T(Big, "krum:f=4", 2900) };
        Assert.Equal(Outcome.Met, Only(run, Big, "krum:f=4").Outcome);
    }

    [Fact]
    public void The_twin_speed_up_is_the_twins_mean_over_the_rules()
    {
        var run = new List<Timing> { T(Big, "floor:sum-1-thread", 1000), T(Big, "cc:tau=100,iters=1", 2000), T(Big, "torch:cc:tau=100,iters=1", 13000) };
        Assert.Equal(6.5, Only(run, Big, "cc:tau=100,iters=1").TwinSpeedup!.Value, 12);
    }

    [Fact]
    public void The_report_counts_every_target_of_a_full_run_and_names_what_the_compute_floors_rule_out()
    {
        var run = new List<Timing>();
        foreach (string shape in Shapes)
        {
            run.Add(T(shape, "floor:sum-all-threads", 1000));
            run.Add(T(shape, "floor:fma-peak-pairs-512", shape == Wide ? 9000 : 1400));
            foreach (var (rule, target) in Targets)
            {
                // At 20×10⁶ every rule sits just under its target; at 100×10⁵ just over it.
                run.Add(T(shape, rule, 1000 * target * (shape == Big ? 0.99 : 1.01)));
                run.Add(T(shape, Twin(rule), 1000 * target * (rule == "mean" ? 0.5 : 20)));
            }
        }
        var report = Report(run);
        Assert.Contains("// met: 9 of the 18 ratio targets; ruled out by this run's compute floors: krum:f=4 at 100x100000, multi-krum:f=4 at 100x100000, bulyan:f=4 at 100x100000", report);
        Assert.Contains(report, l => l.StartsWith("// faster than its torch twin: 16 of 18 (closest: mean at ", StringComparison.Ordinal));
        Assert.Equal(18, report.Count(l => l.Contains("(target ≤ ", StringComparison.Ordinal)));
        Assert.Contains(report, l => l.Contains("pairs' FMA floor floor:fma-peak-pairs-512 9,000 µs (9.00×)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_partial_run_says_how_many_it_measured_and_a_shape_without_a_read_floor_gets_no_verdict()
    {
        var run = new List<Timing> { T(Big, "floor:torch-sum", 1000), T(Big, "median", 2000), T(Wide, "median", 2000) };
        var report = Report(run);
        Assert.Contains("// met: 1 of the 1 ratio targets measured (of 18); ruled out by this run's compute floors: none", report);
        Assert.Contains("//   100x100000: no read floor measured, no verdict", report);
        Assert.DoesNotContain(report, l => l.StartsWith("// faster than", StringComparison.Ordinal));
        Assert.Contains("//   no target measured with its read floor in this run", Report([T(Big, "median", 2000)]));
    }

    [Fact]
    public void The_paired_report_judges_each_paired_ratio_and_counts_only_rules_with_a_target()
    {
        var run = new List<PairedRatio>
        {
            new(Big, "mean", 1.3, 6.0), new(Big, "median", 4.01, 90), new(Wide, "krum:f=4", 18, 40),
            new(Big, "sign-majority", 0.5, 2), // no target: left out
            new(Wide, "cc:tau=100,iters=1", double.NaN, 5), // no figure: left out
        };
        var report = PairedReport(run);
        Assert.Contains(report, l => l.Contains("mean", StringComparison.Ordinal) && l.EndsWith("(target ≤ 1.3×): met, twin ÷ rule 6.0", StringComparison.Ordinal));
        Assert.Contains(report, l => l.Contains("median", StringComparison.Ordinal) && l.EndsWith("(target ≤ 4×): missed, twin ÷ rule 90.0", StringComparison.Ordinal));
        Assert.DoesNotContain(report, l => l.Contains("sign-majority", StringComparison.Ordinal) || l.Contains("cc:", StringComparison.Ordinal));
        Assert.Contains("// paired, met: 1 of the 3 ratio targets measured (of 18)", report);
        Assert.Contains("// faster than its torch twin: 3 of 3 (closest: mean at 20x1000000, 6.0×)", report);
    }

    [Fact]
    public void The_paired_report_of_every_target_says_of_the_18_and_counts_a_slower_twin()
    {
        var run = new List<PairedRatio>();
        foreach (string shape in Shapes)
        {
            foreach (var (rule, target) in Targets) run.Add(new(shape, rule, target * (rule == "bulyan:f=4" ? 2 : 1), rule == "mean" && shape == Wide ? 0.8 : 10));
        }
        var report = PairedReport(run);
        Assert.Contains("// paired, met: 16 of the 18 ratio targets", report);
        Assert.Contains("// faster than its torch twin: 17 of 18 (closest: mean at 100x100000, 0.8×)", report);
        Assert.Contains("//   no rule with a target was measured", PairedReport([new(Big, "sign-majority", 1, 1)]));
    }
}
