using System.Globalization;
using System.Text;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// The outputs of a finished sweep, computed from the runs' results in grid order: results.csv (one
/// row per run), the accuracy panels (mean and standard deviation over seeds of the final test
/// accuracy, defence × attack, one panel per (q, delay)) and summary.md.
/// </summary>
/// <remarks>Pure functions of the plan and the results: byte-stable (invariant culture, shortest
/// round-trip numbers in the CSV, fixed orders), whatever the thread count or which runs came from
/// the store.</remarks>
public static class SweepResults
{
    /// <summary>The header of results.csv.</summary>
    public const string CsvHeader =
        "run,q,delay,attack,defence,seed,test_accuracy,test_loss,train_loss,steps," +
        MessageCounts.CsvHeader + ",key";

    /// <summary>results.csv: the header, then one line per run in grid order with its final evaluation point.</summary>
    public static string Csv(SweepPlan plan, IReadOnlyList<RunResult> results)
    {
        var sb = new StringBuilder();
        sb.Append(CsvHeader).Append('\n');
        foreach (var run in plan.Runs)
        {
            var r = results[run.Index];
            var f = r.Final;
            sb.Append(run.Index).Append(',').Append(run.Cell.Q).Append(',').Append(Quote(run.Cell.Delay)).Append(',')
                .Append(Quote(run.Cell.Attack.Label)).Append(',').Append(Quote(run.Defence)).Append(',').Append(run.Cell.Seed).Append(',')
                .Append(MetricsRow.Format(f.TestAccuracy)).Append(',').Append(MetricsRow.Format(f.TestLoss)).Append(',')
                .Append(MetricsRow.Format(f.TrainLoss)).Append(',').Append(r.Steps).Append(',');
            f.Counts.AppendCsv(sb).Append(',').Append(run.Key).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// One panel per (q, delay) combination in grid order: for each defence (row) and attack
    /// (column), the mean and sample standard deviation (n − 1; NaN for one seed) over seeds of the
    /// final test accuracy. A NaN accuracy makes its cell NaN.
    /// </summary>
    public static IReadOnlyList<AccuracyPanel> Panels(SweepPlan plan, IReadOnlyList<RunResult> results)
    {
        var g = plan.Grid;
        var panels = new List<AccuracyPanel>();
        for (int qi = 0; qi < g.Q.Count; qi++)
        {
            for (int di = 0; di < g.Delays.Count; di++)
            {
                var mean = new double[g.Defences.Count, g.Attacks.Count];
                var std = new double[g.Defences.Count, g.Attacks.Count];
                for (int fi = 0; fi < g.Defences.Count; fi++)
                {
                    for (int ai = 0; ai < g.Attacks.Count; ai++)
                    {
                        var values = plan.Runs
                            .Where(r => r.Cell.QIndex == qi && r.Cell.DelayIndex == di && r.Cell.AttackIndex == ai && r.DefenceIndex == fi)
                            .OrderBy(r => r.Cell.SeedIndex)
                            .Select(r => results[r.Index].Final.TestAccuracy)
                            .ToList();
                        (mean[fi, ai], std[fi, ai]) = MeanStd(values);
                    }
                }
                panels.Add(new AccuracyPanel(g.Q[qi], g.Delays[di], g.Defences.Values, g.Attacks.Values.Select(a => a.Label).ToList(), mean, std, g.Seeds.Count));
            }
        }
        return panels;
    }

    /// <summary>Mean and sample standard deviation, summed in the given order.</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return (double.NaN, double.NaN);
        double sum = 0;
        foreach (double v in values) sum += v;
        double mean = sum / values.Count;
        if (values.Count < 2) return (mean, double.NaN);
        double squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / (values.Count - 1)));
    }

    /// <summary>The title of a panel: its q and delay when the grid varies them.</summary>
    public static string PanelTitle(SweepGrid grid, AccuracyPanel panel)
    {
        var parts = new List<string>();
        if (grid.Q.Count > 1) parts.Add($"q = {panel.Q}");
        if (grid.Delays.Count > 1) parts.Add($"delay = {panel.Delay}");
        return string.Join(", ", parts);
    }

    /// <summary>summary.md: what was swept, then one Markdown table per panel (accuracy in %, mean ± std over seeds).</summary>
    public static string Markdown(SweepPlan plan, IReadOnlyList<RunResult> results)
    {
        var g = plan.Grid;
        var b = g.Base;
        var sb = new StringBuilder();
        sb.Append("# Sweep ").Append(g.Name).Append("\n\n");
        if (g.Description.Length > 0) sb.Append(g.Description).Append("\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"{plan.Runs.Count} runs (SimByz {plan.SimByzVersion}{(plan.Device is null ? "" : ", torch " + plan.Device)}): ")
            .Append(CultureInfo.InvariantCulture, $"{g.Defences.Count} defences × {g.Attacks.Count} attacks × {g.Q.Count} q × {g.Delays.Count} delays × {g.Seeds.Count} seeds. ")
            .Append(CultureInfo.InvariantCulture, $"Base scenario `{g.BaseLabel}`{(g.Sets.Count == 0 ? "" : " with " + string.Join(", ", g.Sets.Select(s => "`" + s + "`")))}: ")
            .Append(CultureInfo.InvariantCulture, $"{b.Workers.Count} workers, data `{b.Task.Data}`, model `{b.Task.Model}`, {(b.Protocol.Kind == ProtocolKind.Sync ? "synchronous" : "asynchronous")}, ")
            .Append(CultureInfo.InvariantCulture, $"{b.Budget.Steps} steps, batch {b.Workers.BatchSize}, learning rate {MetricsRow.Format(b.Optimizer.LearningRate)}.\n\n");
        string seeds = string.Join(", ", g.Seeds.Values);
        sb.Append(g.Seeds.Count > 1
            ? $"Final test accuracy (%), mean ± sample standard deviation over seeds {seeds}. Rows: defences; columns: attacks.\n"
            : $"Final test accuracy (%), seed {seeds}. Rows: defences; columns: attacks.\n");
        foreach (var panel in Panels(plan, results))
        {
            string title = PanelTitle(g, panel);
            sb.Append('\n');
            if (title.Length > 0) sb.Append("## ").Append(title).Append("\n\n");
            if (g.Q.Count == 1) sb.Append(CultureInfo.InvariantCulture, $"q = {panel.Q}; ");
            if (g.Delays.Count == 1) sb.Append(CultureInfo.InvariantCulture, $"compute delay `{panel.Delay}`");
            if (g.Q.Count == 1 || g.Delays.Count == 1) sb.Append("\n\n");
            sb.Append("| defence |");
            foreach (string a in panel.Attacks) sb.Append(' ').Append(Cell(a)).Append(" |");
            sb.Append("\n|---|");
            foreach (var _ in panel.Attacks) sb.Append("---:|");
            sb.Append('\n');
            for (int fi = 0; fi < panel.Defences.Count; fi++)
            {
                sb.Append("| ").Append(Cell(panel.Defences[fi])).Append(" |");
                for (int ai = 0; ai < panel.Attacks.Count; ai++)
                {
                    sb.Append(' ').Append(Percent(panel.Mean[fi, ai], panel.Std[fi, ai])).Append(" |");
                }
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>Writes results.csv and summary.md into <paramref name="output"/> (committed by the caller).</summary>
    public static void Write(AtomicOutput output, SweepPlan plan, IReadOnlyList<RunResult> results)
    {
        output.WriteAllText("results.csv", Csv(plan, results));
        output.WriteAllText("summary.md", Markdown(plan, results));
    }

    private static string Percent(double mean, double std)
    {
        if (!double.IsFinite(mean)) return "n/a";
        string m = (100 * mean).ToString("0.0", CultureInfo.InvariantCulture);
        return double.IsFinite(std) ? m + " ± " + (100 * std).ToString("0.0", CultureInfo.InvariantCulture) : m;
    }

    private static string Cell(string s) => "`" + s.Replace("|", "\\|", StringComparison.Ordinal) + "`";

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal)
        ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : s;
}

/// <summary>Final test accuracy of one (q, delay) combination: defences (rows) × attacks (columns), mean and sample std over seeds.</summary>
/// <param name="Q">Byzantine workers.</param>
/// <param name="Delay">Compute-latency model spec.</param>
/// <param name="Defences">Row labels.</param>
/// <param name="Attacks">Column labels.</param>
/// <param name="Mean">Mean over seeds, [defence, attack], in [0, 1] (NaN when a run's accuracy is).</param>
/// <param name="Std">Sample standard deviation over seeds (NaN with one seed).</param>
/// <param name="Seeds">Seeds per cell.</param>
public sealed record AccuracyPanel(int Q, string Delay, IReadOnlyList<string> Defences, IReadOnlyList<string> Attacks, double[,] Mean, double[,] Std, int Seeds);
