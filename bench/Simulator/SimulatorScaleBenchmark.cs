using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;

namespace SimByz.Bench.Simulator;

/// <summary>
/// Scale of the simulator (issue 16, item 4): asynchronous runs of the default task (softmax regression on the
/// 10-class, 20-feature Gaussian mixture: d = 210; 8 Byzantine workers, sign flip ×4 of their own gradient; async
/// SGD; lognormal compute, shifted-exponential network) with 1 000 and 100 000 workers, each run stopped by a cap
/// of <see cref="Messages"/> messages. One operation is one message (<c>OperationsPerInvoke</c>): Mean is the
/// time per simulated message, including the worker's gradient, the attack, the event queue and the update.
/// </summary>
/// <remarks>
/// <para>Columns: <c>msgs/s</c> and <c>events/s</c> (messages sent and events handled per run, counted in the
/// set-up run, over the run's time); <c>B/worker built</c> (managed memory retained by a built run, before it
/// starts, per worker) and <c>B/worker run</c> (retained at the end of a run, per worker), both from
/// <see cref="GC.GetTotalMemory(bool)"/> after a full collection, the data set excluded (built once, shared);
/// <c>Allocated</c> (MemoryDiagnoser) is per message.</para>
/// <para>The training set holds max(20 000, 2 × workers) rows so that every worker has data (the default's
/// 20 000 rows would leave most of 100 000 workers with empty shards, who never send).</para>
/// <para>Run: <c>dotnet run -c Release --project bench -- --filter '*SimulatorScaleBenchmark*'</c> (no job options: the
/// class's config sets a short in-process job, in process so that the columns can read what the set-up run counted).
/// Target: ≥ 100 000 messages/s at 1 000 workers.</para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(ScaleConfig))]
public class SimulatorScaleBenchmark
{
    /// <summary>Messages per run (the run's message cap).</summary>
    public const int Messages = 200_000;

    private static readonly ConcurrentDictionary<int, Counts> Measured = new();
    private RunSetup _setup = null!;
    private TrainingRun _run = null!;

    [Params(1_000, 100_000)]
    public int Workers { get; set; }

    /// <summary>The scenario: the default with the asynchronous protocol, async SGD, a message cap and no evaluation between the two ends.</summary>
    public static string[] Overrides(int workers) =>
    [
        $"task.data=gaussian-mixture:classes=10,features=20,train={Math.Max(20_000, 2 * workers)},test=2000,separation=3",
        $"workers.count={workers}", "protocol.kind=async", "defences=[\"async-sgd\"]", "budget.steps=1000000000",
        $"budget.maxMessages={Messages}", "evaluation.every=0",
    ];

    [GlobalSetup]
    public void Setup()
    {
        _setup = ScenarioBuilder.Build(ScenarioLoader.Load("default", Overrides(Workers)));
        long before = Retained();
        var run = new TrainingRun(_setup, "async-sgd");
        long built = Retained();
        var result = run.Run();
        long after = Retained();
        GC.KeepAlive(run);
        Measured[Workers] = new Counts(result.Messages, result.Events, (built - before) / (double)Workers, (after - before) / (double)Workers);
        Console.WriteLine($"// {Workers} workers: {result.Messages} messages, {result.Events} events, {result.Steps} steps per run; " +
            $"retained per worker {(built - before) / (double)Workers:F0} B built, {(after - before) / (double)Workers:F0} B after the run; " +
            $"{run.ComputedByHelpers} messages computed on helper threads ({run.PipelinedMessages} handed over; GradientPipeline, up to {GradientPipeline.MaxQueued} queued)");
    }

    private static long Retained()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    [IterationSetup]
    public void NewRun() => _run = new TrainingRun(_setup, "async-sgd");

    [Benchmark(OperationsPerInvoke = Messages)]
    public long AsyncRun() => _run.Run().Messages;

    private sealed record Counts(long Messages, long Events, double BuiltBytesPerWorker, double RunBytesPerWorker);

    /// <summary>A figure from the set-up run's counts and the measured time of one run (Mean × <see cref="Messages"/>).</summary>
    private static FigureColumn CountColumn(string name, string legend, Func<Counts, double, double> value)
        => new("SimulatorScale." + name, name, legend, (summary, benchmarkCase) =>
            summary[benchmarkCase]?.ResultStatistics is { Mean: > 0 } stats && Measured.TryGetValue((int)benchmarkCase.Parameters["Workers"], out var counts)
                ? value(counts, stats.Mean * Messages).ToString("N0", CultureInfo.InvariantCulture)
                : null);

    private sealed class ScaleConfig : ManualConfig
    {
        public ScaleConfig()
        {
            // In process (the columns read what the set-up run counted) and short: one run of 200 000 messages takes seconds.
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(CountColumn("msgs/s", "Messages sent per second of run time", (c, runNs) => c.Messages / runNs * 1e9));
            AddColumn(CountColumn("events/s", "Events handled per second of run time", (c, runNs) => c.Events / runNs * 1e9));
            AddColumn(CountColumn("B/worker built", "Managed bytes a built run retains per worker", (c, _) => c.BuiltBytesPerWorker));
            AddColumn(CountColumn("B/worker run", "Managed bytes a finished run retains per worker", (c, _) => c.RunBytesPerWorker));
        }
    }
}
