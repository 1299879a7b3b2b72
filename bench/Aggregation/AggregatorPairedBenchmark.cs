using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SimByz.Aggregation;
using SimByz.Gpu;
using SimByz.Gpu.Composition;
using TorchSharp;

namespace SimByz.Bench.Aggregation;

/// <summary>
/// Each rule's ratio to the read floor with the floor and the peer measured beside it: every invocation runs two calls of
/// the rule's torch twin (the peer), a short block of calls of each of the three floors of
/// <see cref="AggregatorBenchmarks"/> (<c>torch.sum</c>, <c>TensorPrimitives.Sum</c> on one thread, the same sum cut over
/// all cores) and one of the rule, each call timed; its ratio is the rule's time over the fastest floor's in the same
/// invocation, a fraction of a second apart (a few seconds for the slowest twins).
/// </summary>
/// <remarks>
/// <para>Why: on a virtual machine whose speed drifts with its host by tens of per cent from one minute to the next
/// (docs/PERFORMANCE.md, "Aggregation rules"), <see cref="AggregatorBenchmarks"/>' ratios compare a rule with a floor
/// measured minutes earlier. Here both are measured within the same fraction of a second, so a drift moves both (a ratio
/// still moves between runs minutes apart, less than between cases of a full run).</para>
/// <para>Columns: <c>floor (paired)</c> and <c>rule (paired)</c>, the medians of the per-invocation times of the best
/// floor and of the rule; <c>× floor</c>, the median of the per-invocation ratios, and <c>× floor p25–p75</c>, their
/// interquartile range; <c>twin (paired)</c>, the median of the twin's time (the second of its two calls), and
/// <c>twin ÷ rule</c>, the median of the per-invocation quotients; all over the measured iterations (the last <see cref="Iterations"/> × <see cref="Invocations"/>
/// invocations; "NA" and a line in the log when the case did not record one jitting, the warm-up and the measured
/// invocations exactly, e.g. with job options on the command line). A phase's time in one invocation is the median of the last half of its block. <c>Mean</c> is the whole
/// invocation (every block). The rule's output is the same as in
/// <see cref="AggregatorBenchmarks"/> (same data, same seed).</para>
/// <para>Run: <c>cd bench &amp;&amp; dotnet bin/Release/net10.0/SimByz.Bench.dll --filter '*AggregatorPairedBenchmark*'</c>
/// (no job options: the class's config sets its job, in process so that the columns read what the invocations timed).
/// A subset: <c>SIMBYZ_BENCH_CASES</c> lists the rules (separated by <c>;</c>). About six minutes for every rule, most of it
/// in the twins. After the table the run prints issue 16's verdict on each paired ratio and the tally
/// (<see cref="IssueTargets.PairedReport"/>).</para>
/// </remarks>
[Config(typeof(PairedConfig))]
public class AggregatorPairedBenchmark
{
    /// <summary>Measured iterations and invocations per iteration (the job's; the columns read the last Iterations × Invocations).</summary>
    public const int Iterations = 15, Invocations = 1, Warmups = 2;

    /// <summary>Calls per phase and invocation (see <see cref="FloorsThenRule"/>); the torch twin, 30 ms to over a second a call, gets <see cref="TwinCalls"/>.</summary>
    public const int Calls = 16, TwinCalls = 2;

    private static readonly ConcurrentDictionary<string, List<Timing>> Timed = new();
    private GradientBatch _batch = null!;
    private ReadOnlyMemory<float> _data;
    private float[] _output = [];
    private IAggregator _rule = null!;
    private IAggregator _twin = null!;
    private torch.Tensor? _tensor;
    private double[] _partials = [];
    private AggregationContext _context = AggregationContext.None;
    private List<Timing> _timings = [];

    /// <summary>n×d of the input.</summary>
    [Params("20x1000000", "100x100000")]
    public string Shape { get; set; } = "20x1000000";

    /// <summary>The rule (a managed rule spec).</summary>
    [ParamsSource(nameof(Rules))]
    public string Rule { get; set; } = "mean";

    /// <summary>The rules with an issue-16 target, or those listed in <c>SIMBYZ_BENCH_CASES</c>.</summary>
    public static IEnumerable<string> Rules
    {
        get
        {
            string[] all = ["mean", "median", "trimmed-mean:b=4", "meamed:f=4", "krum:f=4", "multi-krum:f=4", "cc:tau=100,iters=1", "geometric-median", "bulyan:f=4"];
            string? only = Environment.GetEnvironmentVariable("SIMBYZ_BENCH_CASES");
            if (string.IsNullOrWhiteSpace(only)) return all;
            var chosen = only.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return chosen.Where(c => !c.StartsWith("floor:", StringComparison.Ordinal) && !c.StartsWith("torch:", StringComparison.Ordinal));
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _batch = AggregatorBenchmarks.Input(Shape, 0);
        _data = _batch.Memory;
        int n = _batch.Count, d = _batch.Dimension;
        _output = new float[d];
        _partials = new double[Environment.ProcessorCount];
        _context = AggregatorBenchmarks.Context(d);
        _ = TorchDevice.Cpu;
        _tensor = torch.tensor(_data.ToArray(), [n, d]);
        Console.WriteLine($"// torch threads: {torch.get_num_threads()}");
        var build = new AggregatorBuildContext(Seed: 1, DeclaredByzantine: 4);
        _rule = AggregatorCatalog.BuiltIn.Create(Rule, build);
        _twin = TorchComponents.CreateRule(Rule, TorchDevice.Cpu, build);
        _timings = Timed.GetOrAdd(Key(Shape, Rule), _ => []);
        _timings.Clear();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        string key = Key(Shape, Rule);
        if (Summarise(key) is { } s)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"// paired {Shape} {Rule}: floor {s.Floor / 1e3:F3} ms, rule {s.Rule / 1e3:F3} ms, × floor {s.Ratio:F2} (p25–p75 {s.Low:F2}–{s.High:F2}), twin {s.Twin / 1e3:F1} ms ({s.TwinRatio:F1}× the rule) over {s.Count} invocations"));
        }
        else
        {
            int count = Timed.TryGetValue(key, out var all) ? all.Count : 0;
            Console.WriteLine($"// paired {Shape} {Rule}: no figures: {count} invocations recorded, {Expected} expected (one jitting, "
                + $"{Warmups} warm-up, {Iterations} measured); run this class without job, diagnoser or memory-randomization options");
        }
        _tensor?.Dispose();
        _tensor = null;
    }

    /// <summary>
    /// The twin's block (<see cref="TwinCalls"/>), then <see cref="Calls"/> calls of torch's sum, of the one-thread sum, of
    /// the rule, of the all-thread sum and of the all-thread sum alternating direction (since session 30); each call timed. A phase's time is the median of its block's last half (the
    /// first calls warm the phase up again after the others); the invocation's ratio is the rule's time over the fastest
    /// floor's.
    /// </summary>
    /// <remarks>Blocks, not alternate calls: a first version alternated single calls, and each call then ran cold after
    /// the others (the managed floors well above their times in <see cref="AggregatorBenchmarks"/>: a flattering floor), and
    /// right after torch's sum it shared the cores with libtorch's OpenMP threads, which spin for a while after each
    /// parallel call (libgomp's default wait policy). So torch's sum follows the twin (torch after torch), the one-thread
    /// sum, which leaves those threads a core, follows torch's sum, and the rule follows the one-thread sum.</remarks>
    [Benchmark]
    public double FloorsThenRule()
    {
        double check = 0;
        double twin = Block(() => { _twin.Aggregate(_batch, _output, _context); return _output[0]; }, TwinCalls, ref check);
        double torchSum = Block(() => { using var sum = torch.sum(_tensor!); return sum.item<float>(); }, Calls, ref check);
        double oneThread = Block(() => TensorPrimitives.Sum(_data.Span), Calls, ref check);
        double rule = Block(() => { _rule.Aggregate(_batch, _output, _context); return _output[0]; }, Calls, ref check);
        double allThreads = Block(ParallelSum, Calls, ref check);
        // The all-thread sum read alternately forwards and backwards (AggregatorBenchmarks.AlternatingSum), as fast as
        // a rule whose last pass runs its chunks backwards can reuse the caches from call to call.
        double alternating = Block(() => AggregatorBenchmarks.AlternatingSum(_data, _partials, _backwards = !_backwards), Calls, ref check);
        _timings.Add(new Timing(Math.Min(Math.Min(Math.Min(torchSum, oneThread), allThreads), alternating), rule, twin));
        return check;
    }

    /// <summary>Median time in µs of the last half of <paramref name="calls"/> calls of <paramref name="call"/>.</summary>
    private static double Block(Func<double> call, int calls, ref double check)
    {
        Span<double> times = stackalloc double[calls];
        for (int i = 0; i < calls; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            check += call();
            times[i] = Micro(Stopwatch.GetTimestamp() - t0);
        }
        return Quantile(times[(calls / 2)..], 0.5);
    }

    private static double Micro(double ticks) => ticks * 1e6 / Stopwatch.Frequency;

    private double ParallelSum() => AggregatorBenchmarks.ParallelSum(_data, _partials);

    private bool _backwards;

    private static string Key(string shape, string rule) => shape + "|" + rule;

    private readonly record struct Timing(double Floor, double Rule, double Twin);

    private sealed record PairedFigures(double Floor, double Rule, double Ratio, double Low, double High, double Twin, double TwinRatio, int Count);

    /// <summary>Invocations one case records under the class's job: one jitting invocation, the warm-ups, the measured ones.</summary>
    private const int Expected = 1 + Invocations * (Warmups + Iterations);

    /// <summary>
    /// Medians over the measured invocations (the last Iterations × Invocations), or null unless the case recorded exactly
    /// <see cref="Expected"/> invocations: a job added on the command line (a second job shares the case's record and
    /// clears it), a diagnoser's extra invocation or per-iteration set-up would otherwise put the wrong ones in the window.
    /// </summary>
    private static PairedFigures? Summarise(string key)
    {
        if (!Timed.TryGetValue(key, out var all) || all.Count != Expected) return null;
        var last = all.Skip(all.Count - Iterations * Invocations).ToArray();
        double Of(Func<Timing, double> figure, double q) => Quantile(last.Select(figure).ToArray(), q);
        return new PairedFigures(Of(t => t.Floor, 0.5), Of(t => t.Rule, 0.5), Of(t => t.Rule / t.Floor, 0.5), Of(t => t.Rule / t.Floor, 0.25),
            Of(t => t.Rule / t.Floor, 0.75), Of(t => t.Twin, 0.5), Of(t => t.Twin / t.Rule, 0.5), last.Length);
    }

    /// <summary>The paired figures of the cases of <paramref name="summary"/> that recorded them (none for another class's summary).</summary>
    internal static IReadOnlyList<IssueTargets.PairedRatio> PairedRatios(BenchmarkDotNet.Reports.Summary summary)
    {
        var ratios = new List<IssueTargets.PairedRatio>();
        foreach (var report in summary.Reports)
        {
            var c = report.BenchmarkCase;
            if (c.Descriptor.Type != typeof(AggregatorPairedBenchmark) || !IsClassJob(c.Job)) continue;
            string shape = (string)c.Parameters["Shape"], rule = (string)c.Parameters["Rule"];
            if (Summarise(Key(shape, rule)) is { } s) ratios.Add(new IssueTargets.PairedRatio(shape, rule, s.Ratio, s.TwinRatio));
        }
        return ratios;
    }

    /// <summary>The <paramref name="q"/>-quantile of <paramref name="values"/> (sorted in place), interpolated linearly between ranks.</summary>
    private static double Quantile(Span<double> values, double q)
    {
        values.Sort();
        double at = q * (values.Length - 1);
        int lo = (int)Math.Floor(at), hi = (int)Math.Ceiling(at);
        return values[lo] + (values[hi] - values[lo]) * (at - lo);
    }

    private static FigureColumn PairedColumn(string name, string legend, Func<PairedFigures, string> value)
        => new("AggregatorPaired." + name, name, legend, (_, benchmarkCase) =>
            IsClassJob(benchmarkCase.Job) && Summarise(Key((string)benchmarkCase.Parameters["Shape"], (string)benchmarkCase.Parameters["Rule"])) is { } s
                ? value(s)
                : null);

    /// <summary>Whether a case runs under the class's own job (another job, added on the command line, gets "NA": the records are the class job's).</summary>
    private static bool IsClassJob(Job job)
        => job.Run.IterationCount == Iterations && job.Run.WarmupCount == Warmups && job.Run.InvocationCount == Invocations
            && job.Infrastructure.Toolchain is InProcessEmitToolchain;

    private sealed class PairedConfig : ManualConfig
    {
        public PairedConfig()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(Warmups).WithIterationCount(Iterations)
                .WithInvocationCount(Invocations).WithUnrollFactor(1));
            AddColumn(PairedColumn("floor (paired)", "Median of the best floor's time per invocation, µs", s => s.Floor.ToString("N0", CultureInfo.InvariantCulture)));
            AddColumn(PairedColumn("rule (paired)", "Median of the rule's time per invocation, µs", s => s.Rule.ToString("N0", CultureInfo.InvariantCulture)));
            AddColumn(PairedColumn("× floor", "Median over the invocations of rule time ÷ best floor time of the same invocation", s => s.Ratio.ToString("F2", CultureInfo.InvariantCulture)));
            AddColumn(PairedColumn("× floor p25–p75", "Interquartile range of those ratios", s => FormattableString.Invariant($"{s.Low:F2}–{s.High:F2}")));
            AddColumn(PairedColumn("twin (paired)", "Median of the torch twin's time per invocation (the peer), µs", s => s.Twin.ToString("N0", CultureInfo.InvariantCulture)));
            AddColumn(PairedColumn("twin ÷ rule", "Median over the invocations of twin time ÷ rule time of the same invocation", s => s.TwinRatio.ToString("F1", CultureInfo.InvariantCulture)));
        }
    }
}
