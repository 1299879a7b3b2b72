using System.Text;
using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using static SimByz.Simulator.Reproductions.MarkdownText;

namespace SimByz.Simulator.Reproductions;

/// <summary>
/// The talk's five-number example: honest one-dimensional gradients {−0.3, 1, 2, 3, 4}; the attacker
/// replaces 3 and 4 by the negated mean of the rest (−0.9). That is inner-product manipulation with
/// ε = 1 (<c>ipm:eps=1</c>) against the three remaining honest values, so the attacked values are
/// produced by the registered attack, and every aggregate by the registered rule.
/// </summary>
/// <remarks>Expected: Median = −0.3 (wrong sign), Mean = 0.18 (right sign). No training; quick and
/// full are the same computation. Deterministic.</remarks>
internal sealed class ToyMedianReproduction : IReproduction
{
    /// <summary>The honest values of the talk.</summary>
    internal static readonly float[] Honest = [-0.3f, 1f, 2f, 3f, 4f];

    /// <summary>Which of them the attacker replaces (the last two).</summary>
    internal const int Replaced = 2;

    internal const string Attack = "ipm:eps=1";

    /// <summary>The rules compared; Krum and trimmed mean at the largest f, b the five inputs allow.</summary>
    internal static readonly string[] Rules = ["mean", "median", "trimmed-mean:b=1", "krum:f=1,variant=blanchard", "geometric-median:variant=fedlib"];

    public string Name => "toy-median";

    public string Summary => "The talk's five-number example: the attacker replaces 3 and 4 by −mean(−0.3, 1, 2) = −0.9; Median becomes −0.3 (wrong sign), Mean 0.18 (right sign).";

    public string Follows => "Xie, Koyejo, Gupta (talk; \"Fall of Empires\", UAI 2019): honest {−0.3, 1, 2, 3, 4}, attack = IPM with ε = 1 (`ipm:eps=1`) on the three kept honest values";

    public bool Trains => false;

    public ReproductionOutput Run(ReproductionOptions options, Action<string>? progress = null, CancellationToken cancellation = default)
    {
        int kept = Honest.Length - Replaced;
        var honestRows = Honest.Select(v => new[] { v }).ToList();
        var keptBatch = GradientBatch.FromRows(honestRows.Take(kept).ToList());
        var attack = options.Composition.Catalogs.Attacks.CreateGradientAttack(Attack, new AttackBuildContext(options.Seed, Replaced));
        var crafted = new float[Replaced];
        attack.Craft(new AttackContext
        {
            Honest = keptBatch,
            Dimension = 1,
            ByzantineCount = Replaced,
            WorkerCount = Honest.Length,
            Rng = RandomStreams.Derive(options.Seed, StreamPurpose.Attack, 0),
        }, crafted);
        var attacked = Honest.Take(kept).Concat(crafted).ToArray();
        double trueGradient = Honest.Average(v => (double)v);

        var rows = new List<(string Rule, float Clean, float Attacked)>();
        foreach (string spec in Rules)
        {
            float clean = AggregateOne(options.Composition.Catalogs.Aggregators, spec, Honest, options.Seed);
            float bad = AggregateOne(options.Composition.Catalogs.Aggregators, spec, attacked, options.Seed);
            rows.Add((spec, clean, bad));
        }

        var csv = new StringBuilder("input,index,value\n");
        for (int i = 0; i < Honest.Length; i++) csv.Append("honest,").Append(I(i)).Append(',').Append(R(Honest[i])).Append('\n');
        for (int i = 0; i < attacked.Length; i++) csv.Append("attacked,").Append(I(i)).Append(',').Append(R(attacked[i])).Append('\n');
        var aggCsv = new StringBuilder("rule,honest_aggregate,attacked_aggregate,attacked_sign_matches_true_gradient\n");
        foreach (var (rule, clean, bad) in rows)
        {
            aggCsv.Append(CsvField(rule)).Append(',').Append(R(clean)).Append(',').Append(R(bad)).Append(',')
                .Append(Math.Sign(bad) == Math.Sign(trueGradient) ? "true" : "false").Append('\n');
        }

        var md = new StringBuilder();
        Header(md, this, options);
        md.Append("Honest values: ").Append(string.Join(", ", Honest.Select(v => Num(v, "0.##")))).Append(" (their mean, the true gradient: ")
            .Append(Num(trueGradient, "0.##")).Append(").\n");
        md.Append("Attacked values (").Append(Attack).Append(" replaces the last ").Append(I(Replaced)).Append("): ")
            .Append(string.Join(", ", attacked.Select(v => Num(v, "0.##")))).Append(".\n\n");
        md.Append(Table(["rule", "honest aggregate", "attacked aggregate", "attacked sign"],
            rows.Select(r => (IReadOnlyList<string>)[r.Rule, Num(r.Clean, "0.####"), Num(r.Attacked, "0.####"),
                Math.Sign(r.Attacked) == Math.Sign(trueGradient) ? "right" : "wrong"])));
        md.Append("\n![toy-median](toy-median.png)\n\nData: `toy-median-values.csv` (the five values before and after the attack), `toy-median.csv` (the aggregates).\n");

        // Workers are numbered 1..5 on the figure, as in the talk; the attacker holds the last two.
        double[] Workers(int from, int count) => Enumerable.Range(from + 1, count).Select(i => (double)i).ToArray();
        string replacedWorkers = string.Join(" and ", Enumerable.Range(kept + 1, Replaced).Select(i => I(i)));
        string replacedValues = string.Join(" and ", Honest.Skip(kept).Select(v => Num(v, "0.##")));
        var panels = new List<ChartPanel>();
        foreach (bool underAttack in new[] { false, true })
        {
            var values = underAttack ? attacked : Honest;
            var series = new List<ChartSeries>
            {
                new("honest values", Workers(0, underAttack ? kept : Honest.Length), values.Take(underAttack ? kept : Honest.Length).Select(v => (double)v).ToArray(), SeriesStyle.Markers),
            };
            if (underAttack) series.Add(new($"attacker's values (workers {replacedWorkers})", Workers(kept, Replaced), crafted.Select(v => (double)v).ToArray(), SeriesStyle.Markers));
            foreach (var (rule, clean, bad) in rows.Where(r => r.Rule is "mean" or "median"))
            {
                double y = underAttack ? bad : clean;
                series.Add(new($"{rule} = {Num(y, "0.##")}", [1, values.Length], [y], SeriesStyle.HorizontalLine));
            }
            if (underAttack) series.Add(new($"true gradient = {Num(trueGradient, "0.##")}", [1, values.Length], [trueGradient], SeriesStyle.HorizontalLine));
            series.Add(new("zero", [1, values.Length], [0], SeriesStyle.HorizontalLine));
            string title = underAttack
                ? $"attacked: {Attack} replaces workers {replacedWorkers} (values {replacedValues}) by {Num(crafted[0], "0.##")}"
                : "honest: five workers, mean = true gradient";
            panels.Add(new ChartPanel(title, "worker", "gradient value", series, IntegerX: true));
        }

        return new ReproductionOutput(md.ToString(),
            [new("toy-median.csv", aggCsv.ToString()), new("toy-median-values.csv", csv.ToString())],
            [new ChartFigure("toy-median.png", "Toy example: Median flips sign, Mean does not", panels)]);
    }

    private static float AggregateOne(AggregatorCatalog catalog, string spec, float[] values, ulong seed)
    {
        var rule = catalog.Create(spec, new AggregatorBuildContext(seed, Replaced));
        var output = new float[1];
        rule.Aggregate(GradientBatch.FromRows(values.Select(v => new[] { v }).ToList()), output, AggregationContext.None);
        return output[0];
    }
}
