using SimByz.Simulator.Data;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Tasks;

namespace SimByz.Simulator.Composition;

/// <summary>
/// What a run of a scenario will hold in memory, estimated from the scenario alone before anything is
/// loaded: the data, the copies of the parameter vector (server, every worker, every defence run at
/// once), and, with payload recording, the payloads kept until the end of the run.
/// </summary>
/// <remarks>
/// <para>An estimate, meant to refuse what cannot fit (a million features, a trillion steps) before
/// minutes of work end in the machine running out of memory; it errs on the high side for the
/// parameter copies and leaves out what it cannot know: a plug-in data source or model. The steps of a run with a
/// time budget are estimated from its delay models (<see cref="StepsWithin"/>).</para>
/// <para>Per run, the parameter vector (d float32 values) exists about <see cref="ServerCopies"/> times
/// at the server and <see cref="WorkerCopies"/> times per worker, garbage awaiting collection included
/// (measured peaks of <c>simbyz run</c> with d = 10⁶ and 5 to 40 workers). In a federated run the workers counted are
/// the m clients of a round (async: active at once), not the N clients: only those are materialised.</para>
/// <para>Nothing else grows with the number of steps: the engine forgets a message once its fate is decided
/// (keeping counters), and metrics rows and trace records go to files in the hidden output folder as they
/// are produced, so the estimate does not depend on the step budget. The exception is payload recording
/// (<c>--record-payloads</c>): the payloads go to disk too, but the hash of each distinct payload stays in
/// memory until the end of the run, to store every vector once (<see cref="RecordBytesPerPayload"/>).</para>
/// </remarks>
/// <param name="DataBytes">The loaded data.</param>
/// <param name="Parameters">d, the model's parameter count (0 when unknown).</param>
/// <param name="ParameterBytes">All copies of the parameter vector, over the runs held at once.</param>
/// <param name="RecordBytes">Records kept until the end: payload hashes (payload recording), a reproduction's evaluation points.</param>
/// <param name="RecordsKept">What <paramref name="RecordBytes"/> holds, for the message.</param>
public sealed record MemoryEstimate(long DataBytes, long Parameters, long ParameterBytes, long RecordBytes, string RecordsKept = "recorded payloads")
{
    /// <summary>Copies of the parameter vector at the server of one run (model, update, momentum, the rule's scratch).</summary>
    public const int ServerCopies = 32;

    /// <summary>Copies of the parameter vector per worker of one run (model, gradient, momentum, message, the rule's input row), as measured.</summary>
    public const int WorkerCopies = 10;

    /// <summary>Bytes kept per recorded payload until the end of a run (its hash as text, set and list entries).</summary>
    public const int RecordBytesPerPayload = 200;

    /// <summary>Bytes a reproduction keeps per evaluation point of each defence until it writes its files: the row (about 170 bytes)
    /// and its metrics.csv line as text (about 200 UTF-16 characters), with room for the lists holding them.</summary>
    public const int ReproductionBytesPerRow = 640;

    /// <summary>The sum of the parts (saturating: a sum past 2^63 bytes stays at the maximum).</summary>
    public long Total => Add(Add(DataBytes, ParameterBytes), RecordBytes);

    /// <summary>Estimates a run of <paramref name="scenario"/>.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="composition">Where its data source and model resolve.</param>
    /// <param name="trace">Whether the trace is written (streamed: it costs no memory per step).</param>
    /// <param name="payloads">Whether payloads are kept (payload recording).</param>
    public static MemoryEstimate Of(Scenario scenario, CompositionRoot composition, bool trace = true, bool payloads = false)
    {
        var shape = DataSourceCatalog.ShapeOf(scenario.Task.Data, composition.Catalogs.DataSources);
        long data = shape?.Bytes ?? 0;
        long d = ParameterCount(scenario.Task.Model, shape, composition);
        // A federated run holds only the clients of a round (async: the active ones), never N of them.
        int n = scenario.Federation?.PerRound ?? scenario.Workers.Count;
        int defences = Math.Max(1, scenario.Defences.Count);
        // Every defence's run is built (its workers' buffers allocated) before the first starts, whatever
        // the thread count, so all of them count.
        long parameterBytes = Mul(Mul(d, sizeof(float)), Mul(defences, ServerCopies + (long)WorkerCopies * n));
        // Only payload recording keeps something per message until the end (each distinct payload).
        long records = trace && payloads ? Mul(Mul(Mul(StepsWithin(scenario, composition), n), RecordBytesPerPayload), defences) : 0;
        return new MemoryEstimate(data, d, parameterBytes, records);
    }

    /// <summary>
    /// Estimates a reproduction training <paramref name="scenarios"/> one after the other: the largest of them (data and
    /// parameter copies, released before the next starts) plus every evaluation point of every defence of all of them,
    /// which a reproduction keeps for its tables, figures and CSV files until it writes them
    /// (<see cref="ReproductionBytesPerRow"/> each; a time budget's steps are estimated by <see cref="StepsWithin"/>).
    /// </summary>
    public static MemoryEstimate OfReproduction(IReadOnlyList<Scenario> scenarios, CompositionRoot composition)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        MemoryEstimate? largest = null;
        long rows = 0;
        foreach (var s in scenarios)
        {
            var e = Of(s, composition, trace: false);
            if (largest is null || e.Total > largest.Total) largest = e;
            long steps = StepsWithin(s, composition);
            long points = steps > 0 ? Add(steps / Math.Max(1, s.Evaluation.Every), 2) : 0;
            rows = Add(rows, Mul(Mul(points, Math.Max(1, s.Defences.Count)), ReproductionBytesPerRow));
        }
        return (largest ?? new MemoryEstimate(0, 0, 0, 0)) with { RecordBytes = rows, RecordsKept = "every evaluation point of every setting, for the tables, figures and CSV files" };
    }

    /// <summary>Draws per worker and delay model when estimating the messages of a time budget.</summary>
    public const int DelayDraws = 256;

    /// <summary>
    /// The server steps a run of <paramref name="scenario"/> may make: its step budget; with a time budget T (and no smaller step
    /// budget), an estimate of the messages sent within T: each worker sends about one message per compute + network delay, so
    /// about T / (mean compute + mean network delay) of them, the means taken over <see cref="DelayDraws"/> draws of the worker's
    /// delay models on a stream of their own (deterministic), and the sum over the workers doubled for the draws' spread. A server
    /// step takes at least one message, so this bounds the steps (and the evaluation points) of most runs; it is an estimate, not a
    /// guarantee (a heavy-tailed delay's mean over a few hundred draws can be far from the run's). Saturates at
    /// <see cref="long.MaxValue"/> when a worker's delays are all zero; 0 when the delays cannot be built (a plug-in model,
    /// an unreadable trace file: nothing is counted).
    /// </summary>
    public static long StepsWithin(Scenario scenario, CompositionRoot composition)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(composition);
        long steps = scenario.Budget.Steps;
        if (scenario.Budget.Time is not { } time) return steps;
        double messages = 0;
        try
        {
            var w = scenario.Workers;
            for (int i = 0; i < w.Count; i++)
            {
                var o = w.Overrides.LastOrDefault(x => x.Workers.Contains(i));
                double mean = MeanDelay(o?.Compute ?? w.Compute, i, 0, composition) + MeanDelay(o?.Network ?? w.Network, i, 1, composition);
                if (mean <= 0) return long.MaxValue;
                messages += time.Nanoseconds / mean;
            }
        }
        catch (Exception ex) when (ex is SimByzException or ArgumentException or IOException or UnauthorizedAccessException or OverflowException or FormatException)
        {
            return steps;
        }
        double estimate = 2 * messages;
        long fromTime = estimate >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(estimate);
        return steps > 0 ? Math.Min(steps, fromTime) : fromTime;
    }

    private static double MeanDelay(string spec, int worker, int kind, CompositionRoot composition)
    {
        var model = Scheduler.DelayModelCatalog.Parse(spec, composition.Catalogs.Delays).Build();
        var rng = Scheduler.RandomStreams.Derive(0, "memory-estimate-delays", 2L * worker + kind);
        double sum = 0;
        for (int k = 0; k < DelayDraws; k++) sum += model.Sample(rng).Nanoseconds;
        return sum / DelayDraws;
    }

    /// <summary>Throws unless <see cref="Total"/> (times <paramref name="atOnce"/>) fits in <paramref name="limit"/>.</summary>
    /// <param name="limit">The limit.</param>
    /// <param name="what">What the estimate is of, starting the message ("this run", "sweep run 12 (…)").</param>
    /// <param name="atOnce">Runs like this one held at once (a sweep's runs computed in parallel).</param>
    /// <param name="advice">What to do about it, ending the message (default: make the data, the model or the step budget smaller, or raise the limit).</param>
    /// <exception cref="MemoryLimitException">The estimate is above the limit; the message gives the parts.</exception>
    public void EnsureWithin(MemoryLimit limit, string what = "this run", int atOnce = 1, string? advice = null)
    {
        ArgumentNullException.ThrowIfNull(limit);
        atOnce = Math.Max(1, atOnce);
        long total = Mul(Total, atOnce);
        if (total <= limit.Bytes) return;
        var parts = new List<string>();
        if (DataBytes > 0) parts.Add($"data {MemoryLimit.Format(DataBytes)}");
        if (ParameterBytes > 0) parts.Add($"{Parameters} model parameters in all their copies {MemoryLimit.Format(ParameterBytes)}");
        if (RecordBytes > 0) parts.Add($"records kept until the end of the run ({RecordsKept}) {MemoryLimit.Format(RecordBytes)}");
        string together = atOnce > 1 ? $"; {atOnce} runs at once (--threads {atOnce}) about {MemoryLimit.Format(total)}" : "";
        string fewer = atOnce > 1 && Total <= limit.Bytes ? "run fewer at once (--threads), " : "";
        throw new MemoryLimitException($"{what} needs about {MemoryLimit.Format(Total)} of memory ({string.Join(", ", parts)}){together}, more than the {MemoryLimit.Format(limit.Bytes)} of {limit.Source}: " +
            fewer + (advice ?? (RecordBytes > 0 ? "make the data, the model or the step budget smaller, or raise the limit with --max-memory" : "make the data or the model smaller, or raise the limit with --max-memory")));
    }

    internal static long ParameterCount(string modelSpec, DataShape? shape, CompositionRoot composition)
    {
        if (shape is null) return 0;
        try
        {
            string name = Specs.ComponentSpec.Parse(modelSpec, "model").Name;
            // Only managed built-in models are built to be counted: a torch model would load libtorch.
            if (!ReferenceEquals(composition.Catalogs.Models.Find(name), ModelCatalog.BuiltIn.Find(name))) return 0;
            return ModelCatalog.Create(modelSpec, shape.Features, shape.Classes, ModelCatalog.BuiltIn).ParameterCount;
        }
        catch (Exception ex) when (ex is SimByzException or ArgumentException or OverflowException)
        {
            return 0;
        }
    }

    internal static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    internal static long Mul(long a, long b) => a == 0 || b == 0 ? 0 : a > long.MaxValue / b ? long.MaxValue : a * b;
}

/// <summary>A run refused because its <see cref="MemoryEstimate"/> is above the memory limit.</summary>
public sealed class MemoryLimitException : SimByzException
{
    public MemoryLimitException(string message)
        : base(message)
    {
    }
}
