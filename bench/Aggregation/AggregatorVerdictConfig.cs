using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SimByz.Bench.Aggregation;

/// <summary>
/// <see cref="AggregatorBenchmarks"/>' columns, read off the run's own summary: each case's mean over the best read floor of
/// its shape (<c>× read floor</c>), issue 16's verdict for the nine rules with a target (<c>verdict</c>: met, missed, or
/// ruled out by a compute floor of the run), and the torch twin's mean over the rule's (<c>twin ÷ rule</c>); the case
/// names are printed whole. After the table, <see cref="Program"/> prints <see cref="IssueTargets.Report"/>'s tally.
/// </summary>
internal sealed class AggregatorVerdictConfig : ManualConfig
{
    public AggregatorVerdictConfig()
    {
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(48));
        AddColumn(new FigureColumn("Aggregator.ratio", "× read floor", "Mean over the fastest read floor of the same shape in this run",
            (summary, c) => Ratio(summary, c)?.ToString("F2", CultureInfo.InvariantCulture)));
        AddColumn(new FigureColumn("Aggregator.verdict", "verdict", "Issue 16's target for this rule and shape: met, missed, or ruled out by a compute floor of this run",
            (summary, c) => Verdict(summary, c) is { } v ? $"{IssueTargets.Word(v.Outcome)} (≤ {v.Target.ToString(CultureInfo.InvariantCulture)}×)" : null));
        AddColumn(new FigureColumn("Aggregator.twin", "twin ÷ rule", "The torch twin's mean over the rule's, same shape, this run",
            (summary, c) => TwinSpeedup(summary, c)?.ToString("F1", CultureInfo.InvariantCulture)));
    }

    /// <summary>The means of a summary's <see cref="AggregatorBenchmarks"/> cases (none for another class's summary).</summary>
    public static IReadOnlyList<IssueTargets.Timing> Timings(Summary summary)
        => summary.Reports
            .Where(r => r.BenchmarkCase.Descriptor.Type == typeof(AggregatorBenchmarks) && r.ResultStatistics is not null)
            .Select(r => new IssueTargets.Timing(Shape(r.BenchmarkCase), Case(r.BenchmarkCase), r.ResultStatistics!.Mean))
            .ToList();

    private static string Shape(BenchmarkCase c) => (string)c.Parameters["Shape"];

    private static string Case(BenchmarkCase c) => (string)c.Parameters["Case"];

    private static double? Ratio(Summary summary, BenchmarkCase c)
    {
        var run = Timings(summary);
        var self = run.FirstOrDefault(t => t.Shape == Shape(c) && t.Case == Case(c));
        return self.Case is not null && IssueTargets.ReadFloor(run, Shape(c)) is { } floor ? self.MeanNs / floor.MeanNs : null;
    }

    private static IssueTargets.Verdict? Verdict(Summary summary, BenchmarkCase c)
        => IssueTargets.Judge(Timings(summary)).FirstOrDefault(v => v.Shape == Shape(c) && v.Rule == Case(c));

    private static double? TwinSpeedup(Summary summary, BenchmarkCase c)
    {
        if (Case(c).StartsWith("floor:", StringComparison.Ordinal) || Case(c).StartsWith("torch:", StringComparison.Ordinal)) return null;
        var run = Timings(summary);
        var self = run.FirstOrDefault(t => t.Shape == Shape(c) && t.Case == Case(c));
        var twin = run.FirstOrDefault(t => t.Shape == Shape(c) && t.Case == IssueTargets.Twin(Case(c)));
        return self.Case is not null && twin.Case is not null ? twin.MeanNs / self.MeanNs : null;
    }
}
