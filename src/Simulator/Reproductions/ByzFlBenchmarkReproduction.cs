using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Sweeps;
using static SimByz.Simulator.Reproductions.MarkdownText;

namespace SimByz.Simulator.Reproductions;

/// <summary>
/// ByzFL's <c>fc_mnist</c> benchmark configuration on Fashion-MNIST with SimByz's PyTorch-compatible options:
/// n = 20 (12 honest, f = 8 Byzantine), IID, lr 0.1, batch 25, 300 steps, MLP 784-100-10 with PyTorch's
/// initialization (<c>init=torch</c>), data held by the honest clients only after 20 % is held out for
/// validation, random horizontal flips; Average, Median, TrMean, Krum, GeometricMedian(ν = 0.1, T = 3) ×
/// SignFlipping, ALittleIsEnough(τ = 1.5), InnerProductManipulation(τ = 2); 3 seeds.
/// </summary>
/// <remarks>
/// <para>Each ByzFL name maps to a catalogued SimByz spec with the same formula (LPD-EPFL/byzfl,
/// <c>aggregators.py</c>, <c>attacks.py</c>): see <see cref="Defences"/> and <see cref="Attacks"/>, and the page it writes.
/// Output: <c>byzfl-benchmark.md</c> (the table of final test accuracy, mean ± sample standard deviation over
/// the seeds, and every choice), <c>byzfl-benchmark.png</c>/<c>.svg</c> (mean test accuracy against steps, one
/// panel per attack), <c>byzfl-benchmark-results.csv</c> (one row per attack, defence and seed), the metrics CSV
/// of every run and the scenario of every attack.</para>
/// <para>Quick: 2 seeds, 8 steps, the first 1 000 training and 200 test images. Deterministic: the same options
/// give byte-identical CSV and Markdown.</para>
/// </remarks>
internal sealed class ByzFlBenchmarkReproduction : IReproduction
{
    /// <summary>The model when the caller keeps the reproductions' default: ByzFL's fc_mnist with PyTorch's initialization.</summary>
    internal const string FcMnist = "mlp:hidden=100,init=torch";

    /// <summary>ByzFL aggregator (f = 8) → SimByz defence spec.</summary>
    internal static readonly (string ByzFl, string Spec)[] Defences =
    [
        ("Average", "mean"),
        ("Median", "median"),
        ("TrMean(f=8)", "trimmed-mean:b=8"),
        ("Krum(f=8)", "krum:f=8,variant=byzfl"),
        ("GeometricMedian(nu=0.1, T=3)", "geometric-median:variant=byzfl,nu=0.1,iters=3"),
    ];

    /// <summary>ByzFL attack → file key and SimByz attack spec.</summary>
    internal static readonly (string ByzFl, string Key, string Spec)[] Attacks =
    [
        ("SignFlipping", "signflip", "sign-flip:s=1,of=mean"),
        ("ALittleIsEnough(tau=1.5)", "alie", "alie:variant=byzfl"),
        ("InnerProductManipulation(tau=2)", "ipm", "ipm:eps=2"),
    ];

    public string Name => "byzfl-benchmark";

    public string Summary =>
        "ByzFL's fc_mnist benchmark on Fashion-MNIST with PyTorch-compatible options (init=torch, data to honest clients only, horizontal flips, no validation requirement): 5 aggregators × 3 attacks, 12 honest + 8 Byzantine clients, 3 seeds.";

    public string Follows =>
        "ByzFL (LPD-EPFL/byzfl, benchmark/train.py, fc_mnist model, aggregators.py, attacks.py): n = 20, f = 8, IID, lr 0.1, batch 25, 300 steps; Average, Median, TrMean, Krum, GeometricMedian(ν = 0.1, T = 3) × SignFlipping, ALittleIsEnough(τ = 1.5), InnerProductManipulation(τ = 2)";

    public bool Trains => true;

    internal static int Steps(ReproductionOptions o) => o.Quick ? 8 : 300;

    internal static IReadOnlyList<ulong> Seeds(ReproductionOptions o)
        => o.Quick ? [o.Seed, o.Seed + 1] : [o.Seed, o.Seed + 1, o.Seed + 2];

    internal static string Model(ReproductionOptions o) => o.Model == ReproductionOptions.DefaultModel ? FcMnist : o.Model;

    private static string Data(ReproductionOptions o) => o.Quick ? "fashion-mnist:limit=1000,test-limit=200" : "fashion-mnist";

    /// <summary>The scenario of one attack and seed.</summary>
    internal static Scenario ScenarioFor(ReproductionOptions o, string attackKey, string attack, ulong seed) => TrainingReproduction.Scenario(new JObject(
        new JProperty("name", $"byzfl-benchmark-{attackKey}"),
        new JProperty("description", $"ByzFL fc_mnist benchmark: 12 honest + 8 Byzantine clients ({attack}), IID, data to honest clients only"),
        new JProperty("seed", seed),
        new JProperty("task", new JObject(
            new JProperty("data", Data(o)), new JProperty("model", Model(o)), new JProperty("partition", "iid"),
            new JProperty("validation", 0.2), new JProperty("dataHolders", "honest"), new JProperty("augmentation", "hflip"))),
        new JProperty("workers", new JObject(
            new JProperty("count", 20), new JProperty("batchSize", 25),
            new JProperty("compute", "constant:t=10ms"), new JProperty("network", "constant:t=1ms"))),
        new JProperty("byzantine", new JObject(new JProperty("count", 8), new JProperty("select", "first"), new JProperty("attack", attack))),
        new JProperty("protocol", new JObject(new JProperty("kind", "sync"), new JProperty("wait", "all"))),
        new JProperty("optimizer", new JObject(new JProperty("learningRate", 0.1))),
        new JProperty("defences", new JArray(Defences.Select(d => d.Spec))),
        new JProperty("budget", new JObject(new JProperty("steps", Steps(o)))),
        new JProperty("evaluation", new JObject(new JProperty("every", o.Quick ? 4 : 50), new JProperty("trainRows", o.Quick ? 200 : 2000)))),
        $"byzfl-benchmark {attackKey}");

    public IReadOnlyList<Scenario> Scenarios(ReproductionOptions options)
        => Seeds(options).SelectMany(seed => Attacks.Select(a => ScenarioFor(options, a.Key, a.Spec, seed))).ToList();

    public ReproductionOutput Run(ReproductionOptions options, Action<string>? progress = null, CancellationToken cancellation = default)
    {
        var seeds = Seeds(options);
        var files = new List<OutputFile>();
        // results[attack][seed] = one run per defence, in the order of Defences.
        var results = new List<List<IReadOnlyList<RunResult>>>();
        var scenarios = new List<OutputFile>();
        foreach (var _ in Attacks) results.Add([]);
        foreach (ulong seed in seeds)
        {
            // Datasets are immutable: the attacks of one seed share the loaded images, and only one seed's copy is held.
            var loaded = new Dictionary<string, SimByz.Simulator.Data.LoadedData>(StringComparer.Ordinal);
            SimByz.Simulator.Data.LoadedData Load(string spec, ulong dataSeed)
            {
                if (!loaded.TryGetValue(spec, out var data)) loaded[spec] = data = SimByz.Simulator.Data.DataSourceCatalog.Load(spec, dataSeed, options.Composition.Catalogs.DataSources);
                return data;
            }
            for (int a = 0; a < Attacks.Length; a++)
            {
                var (_, key, attack) = Attacks[a];
                cancellation.ThrowIfCancellationRequested();
                var s = ScenarioFor(options, key, attack, seed);
                progress?.Invoke($"{Name} {key} seed {seed}: {s.Defences.Count} defences × {s.Budget.Steps} steps");
                var setup = ScenarioBuilder.Build(s, options.Composition, Load);
                var report = options.Progress?.Start($"{Name} {key} seed {seed}", s);
                IReadOnlyList<RunResult> runs;
                try
                {
                    runs = ExperimentRunner.RunAll(s, setup, options.Threads, report, cancellation: cancellation);
                }
                finally
                {
                    options.Progress?.Finish();
                }
                results[a].Add(runs);
                files.Add(new($"{Name}-{key}-seed{I((long)seed)}.csv", ExperimentRunner.MetricsCsv(runs)));
                if (seed == seeds[0]) scenarios.Add(new($"{Name}-{key}.scenario.json", s.ToJson().ToString(Formatting.Indented) + "\n"));
            }
        }
        files.Insert(0, new($"{Name}-results.csv", ResultsCsv(results, seeds)));
        files.AddRange(scenarios);
        return new ReproductionOutput(Markdown(options, results, seeds), files, [Chart(results)]);
    }

    private static string ResultsCsv(List<List<IReadOnlyList<RunResult>>> results, IReadOnlyList<ulong> seeds)
    {
        var sb = new StringBuilder("attack,byzfl_attack,defence,byzfl_aggregator,seed,final_test_accuracy,final_test_loss,final_train_loss,steps\n");
        for (int a = 0; a < Attacks.Length; a++)
        {
            for (int d = 0; d < Defences.Length; d++)
            {
                for (int k = 0; k < seeds.Count; k++)
                {
                    var f = results[a][k][d].Final;
                    sb.Append(CsvField(Attacks[a].Spec)).Append(',').Append(CsvField(Attacks[a].ByzFl)).Append(',')
                        .Append(CsvField(Defences[d].Spec)).Append(',').Append(CsvField(Defences[d].ByzFl)).Append(',')
                        .Append(I((long)seeds[k])).Append(',').Append(R(f.TestAccuracy)).Append(',').Append(R(f.TestLoss)).Append(',')
                        .Append(R(f.TrainLoss)).Append(',').Append(I(results[a][k][d].Steps)).Append('\n');
                }
            }
        }
        return sb.ToString();
    }

    /// <summary>Final test accuracy of defence <paramref name="d"/> under attack <paramref name="a"/> over the seeds.</summary>
    internal static SeedStatistics FinalAccuracy(List<List<IReadOnlyList<RunResult>>> results, int a, int d)
        => SeedStatistics.Of(results[a].Select(runs => runs[d].Final.TestAccuracy).ToList());

    private static string MeanSpread(SeedStatistics s)
        => double.IsFinite(s.Mean)
            ? (100 * s.Mean).ToString("0.0", CultureInfo.InvariantCulture) + (double.IsFinite(s.Std) ? " ± " + (100 * s.Std).ToString("0.0", CultureInfo.InvariantCulture) : "")
            : "n/a";

    private string Markdown(ReproductionOptions o, List<List<IReadOnlyList<RunResult>>> results, IReadOnlyList<ulong> seeds)
    {
        var md = new StringBuilder();
        Header(md, this, o with { Model = Model(o) });
        md.Append("## Final test accuracy (%)\n\n");
        md.Append($"Mean ± sample standard deviation over {seeds.Count} seeds ({string.Join(", ", seeds.Select(s => s.ToString(CultureInfo.InvariantCulture)))}), after {Steps(o)} steps; ")
            .Append("worst case: the lowest mean over the attacks (ByzFL's benchmark ranks aggregators by it).\n\n");
        var header = new List<string> { "aggregator (ByzFL)", "SimByz defence" };
        header.AddRange(Attacks.Select(x => x.ByzFl));
        header.Add("worst case");
        var rows = new List<IReadOnlyList<string>>();
        for (int d = 0; d < Defences.Length; d++)
        {
            var row = new List<string> { Defences[d].ByzFl, "`" + Defences[d].Spec + "`" };
            double worst = double.PositiveInfinity;
            for (int a = 0; a < Attacks.Length; a++)
            {
                var s = FinalAccuracy(results, a, d);
                row.Add(MeanSpread(s));
                worst = Math.Min(worst, double.IsNaN(s.Mean) ? double.NegativeInfinity : s.Mean);
            }
            row.Add(NumberText.Percent(worst));
            rows.Add(row);
        }
        md.Append(Table(header, rows)).Append('\n');
        md.Append("![").Append(Name).Append("](").Append(Name).Append(".png) ([SVG](").Append(Name).Append(".svg)): mean test accuracy over the seeds against server steps, one panel per attack.\n\n");
        md.Append("Data: `").Append(Name).Append("-results.csv` (final values, one row per attack, defence and seed); `").Append(Name)
            .Append("-ATTACK-seedN.csv` (metrics.csv format, every evaluation point); `").Append(Name)
            .Append("-ATTACK.scenario.json` (the scenario of the first seed; `--set seed=N` gives the others).\n\n");
        md.Append("## ByzFL names and SimByz specs\n\n");
        md.Append(Table(["ByzFL", "SimByz", "formula (both)"],
        [
            ["Average", "`mean`", "(1/n) Σ vᵢ"],
            ["Median", "`median`", "coordinate-wise median (even n: mean of the two middle values)"],
            ["TrMean(f=8)", "`trimmed-mean:b=8`", "per coordinate drop the 8 largest and 8 smallest, average the other 4"],
            ["Krum(f=8)", "`krum:f=8,variant=byzfl`", "score = mean of the squared distances to the n − f − 1 = 11 nearest other inputs; the input with the lowest score"],
            ["GeometricMedian(nu=0.1, T=3)", "`geometric-median:variant=byzfl,nu=0.1,iters=3`", "smoothed Weiszfeld from z₀ = 0, 3 iterations, distances below ν = 0.1 count as ν"],
            ["SignFlipping", "`sign-flip:s=1,of=mean`", "every Byzantine client sends −mean(honest)"],
            ["ALittleIsEnough(tau=1.5)", "`alie:variant=byzfl`", "μ + 1.5·σ per coordinate over the honest vectors, σ the sample standard deviation (ddof = 1)"],
            ["InnerProductManipulation(tau=2)", "`ipm:eps=2`", "−τ·mean(honest) = −2·mean (current ByzFL; before December 2024 `FallOfEmpires(τ)` sent (1 − τ)·mean)"],
        ]));
        md.Append('\n');
        md.Append("## Settings and choices\n\n");
        foreach (string c in Choices(o)) md.Append("- ").Append(c).Append('\n');
        return md.ToString();
    }

    private static IReadOnlyList<string> Choices(ReproductionOptions o) =>
    [
        $"Model `{Model(o)}`: ByzFL's `fc_mnist`, Linear(784 → 100)-ReLU-Linear(100 → 10), with PyTorch's default initialization (`init=torch`: weights and biases U(±1/√fan_in), drawn from SimByz's seeded stream). `--model SPEC` replaces it (e.g. `torch-mlp:hidden=100,init=torch` on the torch backend, which starts from the same vector).",
        o.Quick
            ? "Quick: the first 1 000 Fashion-MNIST training and 200 test images, 8 steps, 2 seeds; evaluation every 4 steps."
            : "Full: all 60 000 Fashion-MNIST training images (Debian package `dataset-fashion-mnist`; nothing downloads) and the 10 000 test images; evaluation every 50 steps (ByzFL's default `evaluation_delta`) on the test set, the validation rows and 2 000 training rows.",
        "20 clients: the first 8 Byzantine (`byzantine.select` first), 12 honest. 20 % of the training rows are held out as the server's validation set (`task.validation` 0.2, as ByzFL's `size_train_set` 0.8); the rest is shuffled and cut into 12 equal IID shards for the honest clients only (`task.dataHolders` honest): the Byzantine clients hold no data and send only what the attack crafts from the honest gradients.",
        "Random horizontal flip (`task.augmentation` hflip, p = 0.5) on every honest client's minibatch, as ByzFL's Fashion-MNIST transform `RandomHorizontalFlip()` + `ToTensor()` (pixels in [0, 1], no normalization). ByzFL applies the same transform to its validation and test sets; SimByz evaluates on unflipped images.",
        "Synchronous DSGD: every round the server waits for all 20 messages; honest clients send the gradient of one minibatch of 25; lr 0.1 constant; 300 steps.",
        "No client momentum and no weight decay. ByzFL's benchmark defaults (when a config does not set them) are client momentum 0.9 in the form m ← 0.9·m + 0.1·g and weight decay 1e-4; SimByz's `optimizer.workerMomentum` is m ← β·m + g, so ByzFL's momentum corresponds to `workerMomentum` 0.9 with lr 0.01 and `weightDecay` 1e-3 (scale-equivariant rules; the geometric median's ν then acts 10× smaller).",
        "Seeds: one root seed per repetition drives the split, the initialization, the minibatches and the flips (ByzFL has separate data-distribution and training seeds).",
        "No defence here needs a validation set; the validation rows only take their share out of the training data and are reported in the metrics CSV (validation columns).",
    ];

    private ChartFigure Chart(List<List<IReadOnlyList<RunResult>>> results)
    {
        var panels = new List<ChartPanel>();
        for (int a = 0; a < Attacks.Length; a++)
        {
            var series = new List<ChartSeries>();
            for (int d = 0; d < Defences.Length; d++)
            {
                var first = results[a][0][d].Rows;
                var x = first.Select(r => (double)r.Step).ToArray();
                var y = new double[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    double sum = 0;
                    foreach (var runs in results[a]) sum += runs[d].Rows[i].TestAccuracy;
                    y[i] = sum / results[a].Count;
                }
                series.Add(new ChartSeries(Defences[d].ByzFl, x, y));
            }
            panels.Add(new ChartPanel(Attacks[a].ByzFl, "server step", "test accuracy (mean over seeds)", series));
        }
        return new ChartFigure(Name + ".png", "ByzFL fc_mnist benchmark on Fashion-MNIST: 12 honest + 8 Byzantine clients", panels);
    }
}
