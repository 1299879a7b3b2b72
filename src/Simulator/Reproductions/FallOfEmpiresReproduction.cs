using System.Text;
using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Sampling;
using SimByz.Simulator.Tasks;
using static SimByz.Simulator.Reproductions.MarkdownText;

namespace SimByz.Simulator.Reproductions;

/// <summary>
/// "Fall of Empires" (Xie, Koyejo, Gupta, UAI 2019) on real gradients: n = 21 workers compute
/// Fashion-MNIST minibatch gradients at a partly trained model; the first q are replaced by the
/// registered IPM attack (−ε·mean of the honest rows); Mean, coordinate-wise Median and Krum aggregate;
/// the inner product of each aggregate with the true gradient, normalized by ‖g‖², is averaged over
/// independent rounds, for a grid of ε and q.
/// </summary>
/// <remarks>
/// <para>True gradient g: the full-batch gradient of the training loss over every worker's shard at the
/// same model (not the mean of the sampled honest rows). A value of 1 is what plain SGD on all honest
/// workers gives in expectation; a negative value means the step goes uphill.</para>
/// <para>Deterministic: gradients come from the workers' seeded samplers; the grid is split by q over
/// threads and each cell is computed sequentially, so results do not depend on the thread count.</para>
/// </remarks>
internal sealed class FallOfEmpiresReproduction : IReproduction
{
    internal const int Workers = 21;

    /// <summary>q values: n − 2q = 15, 9, 3 (Krum's theorem) and 1 (Median's theorem).</summary>
    internal static readonly int[] Qs = [3, 6, 9, 10];

    internal static readonly double[] Epsilons = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

    /// <summary>Largest f with n > 2f + 2 for n = 21.</summary>
    internal const int MaxKrumF = 9;

    internal const double WarmupLearningRate = 0.1;

    public string Name => "fall-of-empires";

    public string Summary => "Inner-product manipulation (IPM, all Byzantine send −ε·mean(honest)) against Median and Krum versus Mean on real Fashion-MNIST gradients: the aggregate's inner product with the true gradient turns negative for Median and Krum at small ε, while Mean stays positive until ε > (n − q)/q.";

    public string Follows => "Xie, Koyejo, Gupta, \"Fall of Empires: Breaking Byzantine-tolerant SGD by Inner Product Manipulation\" (UAI 2019): ⟨g, E[Median]⟩ < 0 for n − 2q = 1, ⟨g, E[Krum]⟩ < 0 for n − 2q = 3 under the theorems' conditions";

    public bool Trains => true;

    internal static string[] Rules(int q) => ["mean", "median", $"krum:f={Math.Min(q, MaxKrumF)},variant=blanchard"];

    /// <summary>
    /// The data, and the float32 vectors of d values <see cref="Run"/> holds at once: the n = 21 worker rows of the warm-up and of each of
    /// the rounds kept (n · (1 + rounds)), the model point, the mean and the true gradient, and per q computed in parallel an input
    /// batch and an output (n + 1), with <see cref="Composition.MemoryEstimate.ServerCopies"/> more for the model's scratch and garbage.
    /// </summary>
    public Composition.MemoryEstimate Memory(ReproductionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int repeats = options.Quick ? 4 : 20;
        var shape = DataSourceCatalog.ShapeOf(TrainingReproductions.Data(options), options.Composition.Catalogs.DataSources);
        long d = Composition.MemoryEstimate.ParameterCount(options.Model, shape, options.Composition);
        int parallel = Math.Min(Math.Max(1, options.Threads), Qs.Length);
        long vectors = (long)Workers * (1 + repeats) + 3 + (long)parallel * (Workers + 1) + Composition.MemoryEstimate.ServerCopies;
        return new Composition.MemoryEstimate(shape?.Bytes ?? 0, d, Composition.MemoryEstimate.Mul(Composition.MemoryEstimate.Mul(d, sizeof(float)), vectors), 0);
    }

    public ReproductionOutput Run(ReproductionOptions options, Action<string>? progress = null, CancellationToken cancellation = default)
    {
        int warmup = options.Quick ? 50 : 200, repeats = options.Quick ? 4 : 20, batch = TrainingReproductions.Batch;
        string data = TrainingReproductions.Data(options);
        progress?.Invoke($"{Name}: loading {data}, {warmup} warm-up steps, {repeats} rounds × {Qs.Length} q × {Epsilons.Length} ε");
        var task = TaskBuilder.Build(new TaskDefinition(data, options.Model, Workers, "iid", SplitSize.None, SplitSize.None, options.Seed));
        var model = task.Model.Clone();
        int d = model.ParameterCount;
        var samplers = Enumerable.Range(0, Workers).Select(i => task.CreateWorkerSampler(i, batch)).ToArray();
        var x = task.InitialParameters.ToArray();
        var rows = new float[Workers * d];
        var mean = new float[d];

        // Warm-up: plain synchronous SGD with every worker honest, so the point is past the first, easy descent.
        for (int t = 0; t < warmup; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            Gradients(model, task.Train, samplers, x, rows, d);
            MeanRows(rows, Workers, d, mean);
            for (int j = 0; j < d; j++) x[j] -= (float)WarmupLearningRate * mean[j];
        }

        // True gradient: full batch over every shard.
        var allRows = task.Shards.SelectMany(s => s.ToArray()).ToArray();
        var g = new float[d];
        double trainLoss = model.LossAndGradient(x, task.Train, allRows, g);
        double gg = DetVec.SquaredNorm(g);

        // Independent rounds of worker gradients at x.
        var rounds = new float[repeats][];
        for (int r = 0; r < repeats; r++)
        {
            cancellation.ThrowIfCancellationRequested();
            rounds[r] = new float[Workers * d];
            Gradients(model, task.Train, samplers, x, rounds[r], d);
        }

        var values = new double[Qs.Length][][][]; // [q][rule][eps] -> per-round normalized inner products
        Parallel.For(0, Qs.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancellation }, qi =>
        {
            int q = Qs[qi];
            string[] specs = Rules(q);
            var rules = specs.Select(s => options.Composition.Catalogs.Aggregators.Create(s, new AggregatorBuildContext(options.Seed, q))).ToArray();
            values[qi] = specs.Select(_ => Epsilons.Select(_ => new double[repeats]).ToArray()).ToArray();
            var input = new float[Workers * d];
            var output = new float[d];
            for (int ei = 0; ei < Epsilons.Length; ei++)
            {
                var attack = options.Composition.Catalogs.Attacks.CreateGradientAttack(FormattableString.Invariant($"ipm:eps={Epsilons[ei]}"), new AttackBuildContext(options.Seed, q, options.Composition.Catalogs.Aggregators));
                for (int r = 0; r < repeats; r++)
                {
                    // Byzantine rows first (workers 0..q−1, as select "first"), then the honest rows q..n−1.
                    var honest = new GradientBatch(rounds[r].AsMemory(q * d, (Workers - q) * d), Workers - q, d);
                    attack.Craft(new AttackContext
                    {
                        Honest = honest,
                        Dimension = d,
                        ByzantineCount = q,
                        WorkerCount = Workers,
                        Model = x,
                        Rng = RandomStreams.Derive(options.Seed, StreamPurpose.Attack, r),
                    }, input.AsSpan(0, q * d));
                    rounds[r].AsSpan(q * d).CopyTo(input.AsSpan(q * d));
                    var batchView = new GradientBatch(input, Workers, d);
                    for (int k = 0; k < rules.Length; k++)
                    {
                        rules[k].Aggregate(batchView, output, AggregationContext.None);
                        values[qi][k][ei][r] = DetVec.Dot(output, g) / gg;
                    }
                }
            }
        });

        var csv = new StringBuilder("q,eps,rule,mean_normalized_inner_product,negative_fraction,rounds\n");
        var panels = new List<ChartPanel>();
        var md = new StringBuilder();
        Header(md, this, options);
        md.Append("## Settings and choices\n\n");
        md.Append("- ").Append(TrainingReproductions.ModelChoice(options)).Append('\n');
        md.Append("- Data `").Append(data).Append("`, ").Append(I(Workers)).Append(" workers with IID shards, minibatch ").Append(I(batch)).Append(".\n");
        md.Append("- Model point: x₀ followed by ").Append(I(warmup)).Append(" steps of plain synchronous SGD (lr ").Append(R(WarmupLearningRate))
            .Append(", all workers honest); training loss there ").Append(Num(trainLoss)).Append(". IPM matters once the gradient is small beside its noise, the regime of the theorems (max_j |g_j| < σ/√(n−q−1)).\n");
        md.Append("- True gradient g: the full-batch gradient over all ").Append(I(allRows.Length)).Append(" training rows of the shards at that point. Reported: ⟨Aggr, g⟩/‖g‖² averaged over ")
            .Append(I(repeats)).Append(" independent rounds of worker minibatch gradients (1 ≈ an honest SGD step; < 0: uphill), and the fraction of rounds with a negative inner product.\n");
        md.Append("- Attack `ipm:eps=ε` on the first q workers (the registered attack: −ε·mean of the honest rows of the round). Rules `mean`, `median` (even n: mean of the two middle values), Krum `krum:f=min(q, 9),variant=blanchard` (9 is the largest f with n > 2f + 2).\n");
        md.Append("- q = 3, 6, 9, 10: n − 2q = 15, 9, 3 (the Krum theorem's case) and 1 (the Median theorem's case). Mean's expected value is (n − q − qε)/n · ⟨mean(honest), g⟩/‖g‖²: it turns negative only for ε > (n − q)/q.\n\n");
        md.Append("![fall-of-empires](fall-of-empires.png)\n\n");
        for (int qi = 0; qi < Qs.Length; qi++)
        {
            int q = Qs[qi];
            string[] specs = Rules(q);
            md.Append("### q = ").Append(I(q)).Append(" of ").Append(I(Workers)).Append(" (n − 2q = ").Append(I(Workers - 2 * q)).Append(")\n\n");
            var header = new List<string> { "rule" };
            header.AddRange(Epsilons.Select(e => "ε = " + R(e)));
            var tableRows = new List<IReadOnlyList<string>>();
            var series = new List<ChartSeries>();
            for (int k = 0; k < specs.Length; k++)
            {
                var cells = new List<string> { "`" + specs[k] + "`" };
                var ys = new double[Epsilons.Length];
                for (int ei = 0; ei < Epsilons.Length; ei++)
                {
                    double[] v = values[qi][k][ei];
                    double avg = v.Average();
                    double negative = v.Count(z => z < 0) / (double)v.Length;
                    ys[ei] = avg;
                    cells.Add(Num(avg, "0.000"));
                    csv.Append(I(q)).Append(',').Append(R(Epsilons[ei])).Append(',').Append(CsvField(specs[k])).Append(',')
                        .Append(R(avg)).Append(',').Append(R(negative)).Append(',').Append(I(repeats)).Append('\n');
                }
                tableRows.Add(cells);
                series.Add(new ChartSeries(specs[k], Epsilons.ToArray(), ys));
            }
            series.Add(new ChartSeries("zero", [Epsilons[0], Epsilons[^1]], [0], SeriesStyle.HorizontalLine));
            panels.Add(new ChartPanel($"q = {q} of {Workers} (n − 2q = {Workers - 2 * q})", "ε (IPM scale)", "⟨Aggr, g⟩ / ‖g‖²", series, LogX: true));
            md.Append(Table(header, tableRows)).Append('\n');
        }
        md.Append("Data: `fall-of-empires.csv` (q, ε, rule, mean normalized inner product, fraction of rounds negative, rounds).\n");
        return new ReproductionOutput(md.ToString(), [new("fall-of-empires.csv", csv.ToString())],
            [new ChartFigure("fall-of-empires.png", "Fall of Empires: IPM against Mean, Median, Krum (Fashion-MNIST gradients)", panels)]);
    }

    private static void Gradients(IModel model, Dataset train, MinibatchSampler[] samplers, float[] x, float[] rows, int d)
    {
        for (int i = 0; i < samplers.Length; i++)
        {
            model.LossAndGradient(x, train, samplers[i].Next(), rows.AsSpan(i * d, d));
        }
    }

    private static void MeanRows(float[] rows, int n, int d, float[] mean)
    {
        var sum = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) sum[j] += rows[i * d + j];
        }
        for (int j = 0; j < d; j++) mean[j] = (float)(sum[j] / n);
    }
}
