using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using static SimByz.Simulator.Reproductions.MarkdownText;

namespace SimByz.Simulator.Reproductions;

/// <summary>One setting of a training reproduction (e.g. q = 12): a scenario whose defences are compared in one figure.</summary>
/// <param name="Key">Short file-name part, e.g. <c>q12</c>.</param>
/// <param name="Title">Figure and table title.</param>
/// <param name="Scenario">The scenario (every defence runs under identical seeds and timing).</param>
/// <remarks>Its figure is drawn against simulated time when the protocol is asynchronous, else against server steps.</remarks>
public sealed record TrainingSetting(string Key, string Title, Scenario Scenario);

/// <summary>
/// A reproduction made of training runs: each setting is a <see cref="Scenario"/> run with
/// <see cref="ExperimentRunner.RunAll"/>; it yields per setting a figure (test accuracy and training
/// loss, one line per defence), the metrics CSV behind it, the scenario JSON, and a summary table.
/// </summary>
internal sealed class TrainingReproduction : IReproduction
{
    private readonly Func<ReproductionOptions, IReadOnlyList<TrainingSetting>> _settings;
    private readonly Func<ReproductionOptions, IReadOnlyList<string>> _choices;
    private readonly bool _overview;

    /// <param name="name">The reproduction's name.</param>
    /// <param name="summary">One line for <c>simbyz list reproductions</c>.</param>
    /// <param name="follows">The papers or code it follows.</param>
    /// <param name="settings">Its settings, for given options.</param>
    /// <param name="choices">The settings and choices its page lists.</param>
    /// <param name="overview">End the page with tables over all settings: final test accuracy and mean
    /// staleness, defence × setting (for reproductions with many settings).</param>
    public TrainingReproduction(string name, string summary, string follows,
        Func<ReproductionOptions, IReadOnlyList<TrainingSetting>> settings, Func<ReproductionOptions, IReadOnlyList<string>> choices,
        bool overview = false)
    {
        _overview = overview;
        Name = name;
        Summary = summary;
        Follows = follows;
        _settings = settings;
        _choices = choices;
    }

    public string Name { get; }

    public string Summary { get; }

    public string Follows { get; }

    public bool Trains => true;

    public IReadOnlyList<Scenario> Scenarios(ReproductionOptions options) => _settings(options).Select(s => s.Scenario).ToList();

    public ReproductionOutput Run(ReproductionOptions options, Action<string>? progress = null, CancellationToken cancellation = default)
    {
        var settings = _settings(options);
        var md = new StringBuilder();
        Header(md, this, options);
        md.Append("## Settings and choices\n\n");
        foreach (string c in _choices(options)) md.Append("- ").Append(c).Append('\n');
        md.Append('\n');
        var files = new List<OutputFile>();
        var figures = new List<Figure>();
        var all = new List<(TrainingSetting Setting, IReadOnlyList<RunResult> Results)>();
        foreach (var setting in settings)
        {
            cancellation.ThrowIfCancellationRequested();
            var s = setting.Scenario;
            progress?.Invoke($"{Name} {setting.Key}: {s.Defences.Count} defences × {(s.Budget.Steps > 0 ? $"{s.Budget.Steps} steps" : $"{s.Budget.Time} simulated")}");
            var setup = ScenarioBuilder.Build(s, options.Composition);
            IReadOnlyList<RunResult> results;
            var report = options.Progress?.Start($"{Name} {setting.Key}", s);
            try
            {
                results = ExperimentRunner.RunAll(s, setup, options.Threads, report, cancellation: cancellation);
            }
            finally
            {
                options.Progress?.Finish();
            }
            all.Add((setting, results));
            string stem = $"{Name}-{setting.Key}";
            files.Add(new($"{stem}.csv", ExperimentRunner.MetricsCsv(results)));
            files.Add(new($"{stem}.scenario.json", s.ToJson().ToString(Formatting.Indented) + "\n"));
            var xAxis = s.Protocol.Kind == ProtocolKind.Async ? FigureXAxis.Time : FigureXAxis.Steps;
            figures.Add(new TrainingFigure($"{stem}.png", $"{Name}: {setting.Title}", results, xAxis, ScenarioText.Setting(s)));

            md.Append("## ").Append(setting.Title).Append("\n\n");
            md.Append("![").Append(stem).Append("](").Append(stem).Append(".png) ([SVG](").Append(stem).Append(".svg))\n\n");
            md.Append(Table(["defence", "final test acc", "best test acc", "test loss", "train loss", "honest applied/rejected/dropped", "Byzantine applied/rejected/dropped", "steps", "sim time"],
                results.Select(r => (IReadOnlyList<string>)Row(r))));
            md.Append("\nData: `").Append(stem).Append(".csv` (metrics.csv format, every evaluation point); scenario: `").Append(stem)
                .Append(".scenario.json` (runs with `simbyz run --scenario ").Append(stem).Append(".scenario.json`).\n\n");
        }
        if (_overview) Overview(md, all);
        return new ReproductionOutput(md.ToString(), files, figures);
    }

    /// <summary>Final test accuracy and mean staleness, defence (rows, in the first setting's order) × setting (columns).</summary>
    private static void Overview(StringBuilder md, IReadOnlyList<(TrainingSetting Setting, IReadOnlyList<RunResult> Results)> all)
    {
        var defences = all[0].Results.Select(r => r.Defence).ToList();
        string[] header = ["defence", .. all.Select(a => a.Setting.Key)];
        IReadOnlyList<string> Cells(string defence, Func<RunResult, string> cell) =>
            ["`" + defence + "`", .. all.Select(a => a.Results.FirstOrDefault(r => r.Defence == defence) is { } r ? cell(r) : "—")];
        md.Append("## Overview: final test accuracy\n\n");
        md.Append(Table(header, defences.Select(d => Cells(d, r => NumberText.Percent(r.Final.TestAccuracy)))));
        md.Append("\n## Overview: mean staleness of the messages each rule received\n\n");
        md.Append("The mean over evaluation intervals of `staleness_mean` (metrics.csv): server versions between a message's read and its arrival.\n\n");
        md.Append(Table(header, defences.Select(d => Cells(d, r => Num(MeanStaleness(r), "0.0")))));
        md.Append('\n');
    }

    private static double MeanStaleness(RunResult r)
    {
        var values = r.Rows.Select(x => x.StalenessMean).Where(double.IsFinite).ToList();
        return values.Count == 0 ? double.NaN : values.Average();
    }

    private static string[] Row(RunResult r)
    {
        var f = r.Final;
        double best = r.Rows.Select(x => x.TestAccuracy).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max();
        return
        [
            "`" + r.Defence + "`", NumberText.Percent(f.TestAccuracy), NumberText.Percent(best), Num(f.TestLoss), Num(f.TrainLoss),
            $"{f.Counts.HonestApplied}/{f.Counts.HonestRejected}/{f.Counts.HonestDropped}", $"{f.Counts.ByzantineApplied}/{f.Counts.ByzantineRejected}/{f.Counts.ByzantineDropped}",
            I(r.Steps), Num(r.EndTime.TotalSeconds, "0.000") + " s",
        ];
    }

    /// <summary>Builds a scenario from JSON object text fields, validated like a file (paths name the bad field).</summary>
    internal static Scenario Scenario(JObject json, string source) => ScenarioLoader.Parse(json, source);
}
