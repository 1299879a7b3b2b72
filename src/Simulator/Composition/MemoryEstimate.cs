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
/// parameter copies and leaves out what it cannot know: a plug-in data source or model, and the payloads
/// of a run with a time budget and no step budget.</para>
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
/// <param name="RecordBytes">Payloads kept until the end (payload recording only), and trace records a replay holds.</param>
public sealed record MemoryEstimate(long DataBytes, long Parameters, long ParameterBytes, long RecordBytes)
{
    /// <summary>Copies of the parameter vector at the server of one run (model, update, momentum, the rule's scratch).</summary>
    public const int ServerCopies = 32;

    /// <summary>Copies of the parameter vector per worker of one run (model, gradient, momentum, message, the rule's input row), as measured.</summary>
    public const int WorkerCopies = 10;

    /// <summary>Bytes kept per recorded payload until the end of a run (its hash as text, set and list entries).</summary>
    public const int RecordBytesPerPayload = 200;

    /// <summary>The sum of the parts (saturating: a sum past 2^63 bytes stays at the maximum).</summary>
    public long Total => Add(Add(DataBytes, ParameterBytes), RecordBytes);

    /// <summary>Estimates a run of <paramref name="scenario"/>.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="composition">Where its data source and model resolve.</param>
    /// <param name="trace">Whether the trace is written (streamed: it costs no memory per step).</param>
    /// <param name="payloads">Whether payloads are kept (payload recording).</param>
    /// <param name="keptTraceBytes">Trace records held in memory besides (a replay's re-run, compared with the recorded trace at the end).</param>
    public static MemoryEstimate Of(Scenario scenario, CompositionRoot composition, bool trace = true, bool payloads = false, long keptTraceBytes = 0)
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
        long records = Add(trace && payloads ? Mul(Mul(Mul(scenario.Budget.Steps, n), RecordBytesPerPayload), defences) : 0, Math.Max(0, keptTraceBytes));
        return new MemoryEstimate(data, d, parameterBytes, records);
    }

    /// <summary>Throws unless <see cref="Total"/> fits in <paramref name="limit"/>.</summary>
    /// <exception cref="SimByzException">The estimate is above the limit; the message gives the parts.</exception>
    public void EnsureWithin(MemoryLimit limit)
    {
        if (Total <= limit.Bytes) return;
        var parts = new List<string>();
        if (DataBytes > 0) parts.Add($"data {MemoryLimit.Format(DataBytes)}");
        if (ParameterBytes > 0) parts.Add($"{Parameters} model parameters in all their copies {MemoryLimit.Format(ParameterBytes)}");
        if (RecordBytes > 0) parts.Add($"records kept until the end of the run (recorded payloads, a replay's trace) {MemoryLimit.Format(RecordBytes)}");
        throw new SimByzException($"this run needs about {MemoryLimit.Format(Total)} of memory ({string.Join(", ", parts)}), more than the {MemoryLimit.Format(limit.Bytes)} of {limit.Source}: " +
            (RecordBytes > 0 ? "make the data, the model or the step budget smaller, or raise the limit with --max-memory" : "make the data or the model smaller, or raise the limit with --max-memory"));
    }

    private static long ParameterCount(string modelSpec, DataShape? shape, CompositionRoot composition)
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

    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static long Mul(long a, long b) => a == 0 || b == 0 ? 0 : a > long.MaxValue / b ? long.MaxValue : a * b;
}
