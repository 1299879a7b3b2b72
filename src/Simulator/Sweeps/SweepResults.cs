using System.Globalization;
using System.Text;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// The outputs of a finished sweep, computed from the runs' results in grid order: results.csv (one
/// row per run), the accuracy panels (statistics over seeds of the final test accuracy, defence ×
/// attack, one panel per facet: q, delay and every path field) and summary.md.
/// </summary>
/// <remarks>Pure functions of the plan and the results: byte-stable (invariant culture, shortest
/// round-trip numbers in the CSV, fixed orders), whatever the thread count or which runs came from
/// the store.</remarks>
public static class SweepResults
{
    /// <summary>The header of results.csv for a grid without path axes.</summary>
    public const string CsvHeader =
        "run,q,delay,attack,defence,seed,test_accuracy,test_loss,train_loss,steps," +
        MessageCounts.CsvHeader + ",key";

    private const string AxisColumns = "run,q,delay,attack,defence,seed,";

    /// <summary>The header of results.csv: run, q, delay, attack, defence, seed, then one column per path
    /// field (named by its path, in the order the grid first names it), then the metrics and the key.</summary>
    public static string Header(SweepGrid grid)
    {
        var sb = new StringBuilder(AxisColumns);
        foreach (var column in grid.Columns)
        {
            if (column.Kind == SweepFieldKind.Path) sb.Append(Quote(column.Name)).Append(',');
        }
        return sb.Append(CsvHeader[AxisColumns.Length..]).ToString();
    }

    /// <summary>results.csv: the header, then one line per run in grid order with its final evaluation point.</summary>
    public static string Csv(SweepPlan plan, IReadOnlyList<RunResult?> results)
    {
        var csv = new StringWriter { NewLine = "\n" };
        var table = new Table(plan, csv);
        for (int i = 0; i < plan.RunCount; i++) table.Add(i, results[i] ?? throw new InvalidOperationException($"run {i} has no result"));
        return csv.ToString();
    }

    /// <summary>
    /// One panel per facet (combination of q, delay and every path field) in grid order of its first run:
    /// for each defence (row) and attack (column), the statistics over seeds of the final test accuracy,
    /// in seed order. A NaN accuracy makes its cell NaN.
    /// </summary>
    public static IReadOnlyList<AccuracyPanel> Panels(SweepPlan plan, IReadOnlyList<RunResult?> results)
    {
        var table = new Table(plan, null);
        for (int i = 0; i < plan.RunCount; i++) table.Add(i, results[i] ?? throw new InvalidOperationException($"run {i} has no result"));
        return table.Panels();
    }

    /// <summary>
    /// results.csv and the accuracy panels of a sweep from its runs' results given one at a time in grid order: each
    /// run's row is written at once, and each panel cell keeps a <see cref="SeedAccumulator"/>, so memory grows with
    /// the number of cells (facets × defences × attacks), not of runs. The bytes are those of <see cref="Csv"/> and
    /// <see cref="Panels"/> (which use it).
    /// </summary>
    public sealed class Table
    {
        private readonly SweepPlan _plan;
        private readonly TextWriter? _csv;
        private readonly StringBuilder _row = new();
        private readonly List<PanelBuilder> _builders = [];
        private readonly Dictionary<string, PanelBuilder> _index = new(StringComparer.Ordinal);
        private int _next;

        /// <summary>Starts the table; writes the CSV header to <paramref name="csv"/> (null: panels only).</summary>
        public Table(SweepPlan plan, TextWriter? csv)
        {
            _plan = plan;
            _csv = csv;
            if (csv is not null)
            {
                csv.Write(Header(plan.Grid));
                csv.Write('\n');
            }
        }

        /// <summary>Runs added so far.</summary>
        public int Count => _next;

        /// <summary>Adds run <paramref name="index"/> (the next in grid order) with its result; writes its row.</summary>
        public void Add(int index, RunResult result)
        {
            if (index != _next) throw new InvalidOperationException($"run {index} given where run {_next} was expected (grid order)");
            _next++;
            var point = _plan.Point(index);
            var f = result.Final;
            if (_csv is not null)
            {
                var sb = _row.Clear();
                sb.Append(point.Index).Append(',').Append(point.Q).Append(',').Append(Quote(point.Delay)).Append(',')
                    .Append(Quote(point.Attack.Label)).Append(',').Append(Quote(point.Defence)).Append(',').Append(point.Seed).Append(',');
                foreach (string field in point.Fields) sb.Append(Quote(field)).Append(',');
                sb.Append(MetricsRow.Format(f.TestAccuracy)).Append(',').Append(MetricsRow.Format(f.TestLoss)).Append(',')
                    .Append(MetricsRow.Format(f.TrainLoss)).Append(',').Append(result.Steps).Append(',');
                f.Counts.AppendCsv(sb).Append(',').Append(_plan.KeyOf(index)).Append('\n');
                _csv.Write(sb);
            }
            var facets = Facets(point);
            string key = string.Join('\u001f', facets.Select(x => x.Label));
            if (!_index.TryGetValue(key, out var builder))
            {
                builder = new PanelBuilder(facets);
                _index.Add(key, builder);
                _builders.Add(builder);
            }
            builder.Add(point.Defence, point.Attack.Label, f.TestAccuracy);
        }

        /// <summary>The panels (see <see cref="SweepResults.Panels"/>) once every run is added.</summary>
        public IReadOnlyList<AccuracyPanel> Panels()
        {
            if (_next != _plan.RunCount) throw new InvalidOperationException($"{_next} of {_plan.RunCount} runs added");
            return _builders.Select(b => b.Build()).ToList();
        }
    }

    private static List<(string Column, string Label)> Facets(SweepPoint point)
    {
        var facets = new List<(string, string)>(2 + point.Fields.Count)
        {
            ("q", point.Q.ToString(CultureInfo.InvariantCulture)),
            ("delay", point.Delay),
        };
        for (int i = 0; i < point.Fields.Count; i++) facets.Add((point.FieldNames[i], point.Fields[i]));
        return facets;
    }

    /// <summary>Mean and sample standard deviation (see <see cref="SeedStatistics"/>).</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<double> values)
    {
        var s = SeedStatistics.Of(values);
        return (s.Mean, s.Std);
    }

    /// <summary>The facet columns whose value changes over the grid: they title the panels.</summary>
    public static IReadOnlyList<string> VaryingFacets(SweepGrid grid) => Varying.GetValue(grid, ComputeVaryingFacets);

    // Every panel title asks; a path axis may have very many values.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SweepGrid, IReadOnlyList<string>> Varying = [];

    private static IReadOnlyList<string> ComputeVaryingFacets(SweepGrid grid)
    {
        var result = new List<string>();
        if (grid.ValuesOf(SweepFieldKind.Q).Count > 1) result.Add("q");
        if (grid.ValuesOf(SweepFieldKind.Delay).Count > 1) result.Add("delay");
        foreach (var column in grid.Columns)
        {
            if (column.Kind != SweepFieldKind.Path) continue;
            foreach (var axis in grid.Axes)
            {
                int f = axis.Fields.ToList().IndexOf(column);
                if (f >= 0 && axis.Values.Select(v => v[f].Label).Distinct(StringComparer.Ordinal).Count() > 1) result.Add(column.Name);
            }
        }
        return result;
    }

    /// <summary>The title of a panel: its facet values that vary over the grid.</summary>
    public static string PanelTitle(SweepGrid grid, AccuracyPanel panel)
    {
        var varying = VaryingFacets(grid);
        return string.Join(", ", panel.Facets.Where(f => varying.Contains(f.Column)).Select(f => $"{f.Column} = {f.Label}"));
    }

    /// <summary>What the grid varies, e.g. "4 defences × 5 attacks × 2 q × 1 delays × 2 seeds".</summary>
    public static string Dimensions(SweepGrid grid)
    {
        var parts = new List<string>();
        foreach (var axis in grid.Axes)
        {
            if (axis.IsLinked || axis.Fields[0].Kind == SweepFieldKind.Path) parts.Add($"{axis.Count} {axis.Key}");
        }
        foreach (var kind in new[] { SweepFieldKind.Defence, SweepFieldKind.Attack, SweepFieldKind.Q, SweepFieldKind.Delay, SweepFieldKind.Seed })
        {
            var (axis, _) = grid.AxisOf(kind);
            if (!axis.IsLinked) parts.Add($"{axis.Count} {axis.Key}");
        }
        return string.Join(" × ", parts);
    }

    /// <summary>
    /// summary.md: what was swept, then per panel the accuracy table (%, mean ± 95 % confidence interval
    /// over seeds; defences × attacks, with each defence's worst case over the attacks) and the ranking of
    /// the defences by worst case (then by mean over the attacks).
    /// </summary>
    public static string Markdown(SweepPlan plan, IReadOnlyList<RunResult?> results) => Markdown(plan, Panels(plan, results));

    /// <summary>summary.md from panels computed with <see cref="Panels"/>.</summary>
    public static string Markdown(SweepPlan plan, IReadOnlyList<AccuracyPanel> panels)
    {
        var g = plan.Grid;
        var b = g.Base;
        var sb = new StringBuilder();
        sb.Append("# Sweep ").Append(g.Name).Append("\n\n");
        if (g.Description.Length > 0) sb.Append(g.Description).Append("\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"{plan.RunCount} runs (SimByz {plan.SimByzVersion}{(plan.Device is null ? "" : ", torch " + plan.Device)}): ")
            .Append(Dimensions(g)).Append(". ")
            .Append(CultureInfo.InvariantCulture, $"Base scenario `{g.BaseLabel}`{(g.Sets.Count == 0 ? "" : " with " + string.Join(", ", g.Sets.Select(s => "`" + s + "`")))}: ")
            .Append(CultureInfo.InvariantCulture, $"{b.Workers.Count} workers, data `{b.Task.Data}`, model `{b.Task.Model}`, {(b.Protocol.Kind == ProtocolKind.Sync ? "synchronous" : "asynchronous")}, ")
            .Append(CultureInfo.InvariantCulture, $"{b.Budget.Steps} steps, batch {b.Workers.BatchSize}, learning rate {MetricsRow.Format(b.Optimizer.LearningRate)}.\n\n");
        var seedValues = g.ValuesOf(SweepFieldKind.Seed).Select(v => v.Label).ToList();
        string seeds = seedValues.Count <= 10 ? string.Join(", ", seedValues) : $"{string.Join(", ", seedValues.Take(3))}, …, {seedValues[^1]} ({seedValues.Count} seeds)";
        sb.Append(seedValues.Count > 1
            ? $"Final test accuracy (%), mean ± half-width of the 95 % confidence interval (Student t, n − 1 degrees of freedom) over seeds {seeds}. "
            : $"Final test accuracy (%), seed {seeds}. ");
        sb.Append("Rows: defences; columns: attacks; worst case: the lowest mean over the attacks.\n");
        var varying = VaryingFacets(g);
        foreach (var panel in panels)
        {
            string title = PanelTitle(g, panel);
            sb.Append('\n');
            if (title.Length > 0) sb.Append("## ").Append(title).Append("\n\n");
            var fixedFacets = panel.Facets.Where(f => !varying.Contains(f.Column)).Select(f => f.Column switch
            {
                "q" => $"q = {f.Label}",
                "delay" => $"compute delay `{f.Label}`",
                _ => $"{f.Column} = `{f.Label}`",
            }).ToList();
            if (fixedFacets.Count > 0) sb.Append(string.Join("; ", fixedFacets)).Append("\n\n");
            sb.Append("| defence |");
            foreach (string a in panel.Attacks) sb.Append(' ').Append(Cell(a)).Append(" |");
            sb.Append(" worst case |\n|---|");
            foreach (var _ in panel.Attacks) sb.Append("---:|");
            sb.Append("---:|\n");
            for (int fi = 0; fi < panel.Defences.Count; fi++)
            {
                sb.Append("| ").Append(Cell(panel.Defences[fi])).Append(" |");
                for (int ai = 0; ai < panel.Attacks.Count; ai++)
                {
                    sb.Append(' ').Append(Percent(panel.Cells[fi, ai])).Append(" |");
                }
                var (worst, _) = panel.WorstCase(fi);
                sb.Append(' ').Append(Percent(worst)).Append(" |\n");
            }
            if (panel.Defences.Count > 1)
            {
                sb.Append("\nRanking (by worst case over the attacks, then by mean over the attacks):\n\n")
                    .Append("| rank | defence | worst case | at attack | mean over attacks |\n|---:|---|---:|---|---:|\n");
                var ranked = Enumerable.Range(0, panel.Defences.Count)
                    .Select(r => (Row: r, Worst: panel.WorstCase(r), Mean: panel.MeanOverAttacks(r)))
                    .OrderBy(x => double.IsNaN(x.Worst.Mean) ? 1 : 0)
                    .ThenByDescending(x => double.IsNaN(x.Worst.Mean) ? 0 : x.Worst.Mean)
                    .ThenByDescending(x => double.IsNaN(x.Mean) ? double.NegativeInfinity : x.Mean)
                    .ThenBy(x => x.Row)
                    .ToList();
                for (int k = 0; k < ranked.Count; k++)
                {
                    var (row, (worst, at), mean) = ranked[k];
                    string cell = at >= 0 ? Percent(panel.Cells[row, at]) : "n/a";
                    sb.Append(CultureInfo.InvariantCulture, $"| {k + 1} | {Cell(panel.Defences[row])} | {cell} | {(at >= 0 ? Cell(panel.Attacks[at]) : "n/a")} | {Percent(mean)} |\n");
                }
            }
        }
        return sb.ToString();
    }

    /// <summary>Writes results.csv and summary.md into <paramref name="output"/> (committed by the caller).</summary>
    public static void Write(AtomicOutput output, SweepPlan plan, IReadOnlyList<RunResult?> results, IReadOnlyList<AccuracyPanel>? panels = null)
    {
        output.WriteAllText("results.csv", Csv(plan, results));
        output.WriteAllText("summary.md", Markdown(plan, panels ?? Panels(plan, results)));
    }

    /// <summary>Writes results.csv and summary.md into <paramref name="output"/> (committed by the caller) from the results
    /// <paramref name="results"/> gives, in grid order, to a <see cref="Table"/> writing results.csv as it goes; returns the panels.</summary>
    public static IReadOnlyList<AccuracyPanel> Write(AtomicOutput output, SweepPlan plan, Action<Table> results)
    {
        Table table;
        using (var csv = output.CreateText("results.csv"))
        {
            table = new Table(plan, csv);
            results(table);
        }
        var panels = table.Panels();
        output.WriteAllText("summary.md", Markdown(plan, panels));
        return panels;
    }

    private static string Percent(SeedStatistics s)
    {
        if (s.Count == 0 || !double.IsFinite(s.Mean)) return "n/a";
        string m = (100 * s.Mean).ToString("0.0", CultureInfo.InvariantCulture);
        return double.IsFinite(s.HalfWidth) ? m + " ± " + (100 * s.HalfWidth).ToString("0.0", CultureInfo.InvariantCulture) : m;
    }

    private static string Percent(double mean) => double.IsFinite(mean) ? (100 * mean).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";

    private static string Cell(string s) => "`" + s.Replace("|", "\\|", StringComparison.Ordinal) + "`";

    /// <summary>A CSV field: quoted when it holds a comma, a quote or a line break.</summary>
    internal static string Quote(string s) => s.AsSpan().IndexOfAny(",\"\n\r") >= 0
        ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : s;
}
