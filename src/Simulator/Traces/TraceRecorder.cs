using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Traces;

/// <summary>
/// Records one defence's run as trace records (docs/TRACE_FORMAT.md): an <see cref="ISimulationObserver"/>
/// that keeps its lines in memory, or streams them to a working file (<see cref="TraceContent.WriteStreamed"/>
/// joins the sections), so defences may run in parallel and the file is still written in defence order.
/// </summary>
/// <remarks>Each record carries <c>n</c>, its number within the defence's section (0, 1, 2, …), and
/// <c>t</c>, the simulated time in integer nanoseconds. With a <see cref="PayloadStore"/> every
/// arrived payload and every model at an evaluation point is kept, content-addressed.
/// Called on its run's thread only; deterministic.</remarks>
public sealed class TraceRecorder : ISimulationObserver
{
    private readonly List<string>? _lines;
    private readonly TextWriter? _sink;
    private readonly PayloadStore? _payloads;
    private readonly List<long> _ids = [];
    private readonly List<long> _selected = [];
    private readonly List<double> _scores = [];
    private float[]? _lastModel;
    private string? _lastModelHash;
    private long _n;

    /// <summary>A recorder for the defence <paramref name="defence"/> (index <paramref name="index"/> in the scenario).</summary>
    public TraceRecorder(string defence, int index, PayloadStore? payloads = null)
        : this(defence, index, payloads, null)
    {
    }

    /// <summary>A recorder for the defence <paramref name="defence"/> (index <paramref name="index"/> in the scenario) that writes
    /// each line, followed by "\n", to <paramref name="sink"/> as it is recorded instead of keeping it (<see cref="Lines"/> is then unavailable).</summary>
    public TraceRecorder(string defence, int index, TextWriter sink, PayloadStore? payloads = null)
        : this(defence, index, payloads, sink ?? throw new ArgumentNullException(nameof(sink)))
    {
    }

    private TraceRecorder(string defence, int index, PayloadStore? payloads, TextWriter? sink)
    {
        Defence = defence;
        _payloads = payloads;
        _sink = sink;
        _lines = sink is null ? [] : null;
        Emit(new TraceLine("run").Int("index", index).Str("defence", defence).ToString());
    }

    /// <summary>The defence this recorder follows.</summary>
    public string Defence { get; }

    /// <summary>The section's lines so far: the <c>run</c> record, then every event record.</summary>
    /// <exception cref="InvalidOperationException">The recorder streams its lines to a writer.</exception>
    public IReadOnlyList<string> Lines => _lines ?? throw new InvalidOperationException("this recorder streams its lines to a file; it keeps none");

    private void Emit(string line)
    {
        if (_lines is not null)
        {
            _lines.Add(line);
            return;
        }
        _sink!.Write(line);
        _sink.Write('\n');
    }

    private TraceLine Start(string type, SimTime time) => new TraceLine(type).Int("n", _n++).Int("t", time.Nanoseconds);

    private static string Role(MessageInfo m) => m.Byzantine ? "byzantine" : "honest";

    /// <inheritdoc />
    public void Dispatched(SimTime time, long sequence, MessageInfo message)
        => Emit(Start("dispatch", time).Int("seq", sequence).Int("msg", message.Id).Int("worker", message.Worker)
            .Str("role", Role(message)).Int("version", message.ModelVersion)
            .Int("computeDone", message.ComputeDone.Nanoseconds).Int("arrival", message.Arrival.Nanoseconds).ToString());

    /// <inheritdoc />
    public void ComputeCompleted(SimTime time, long sequence, MessageInfo message)
        => Emit(Start("compute", time).Int("seq", sequence).Int("msg", message.Id).Int("worker", message.Worker).ToString());

    /// <inheritdoc />
    public void Arrived(SimTime time, long sequence, MessageInfo message, ReadOnlySpan<float> payload, long serverVersion)
    {
        string hash = TraceHash.Of(payload);
        _payloads?.Add(hash, payload);
        Emit(Start("arrive", time).Int("seq", sequence).Int("msg", message.Id).Int("worker", message.Worker)
            .Str("role", Role(message)).Int("version", message.ModelVersion).Int("serverVersion", serverVersion)
            .Int("staleness", serverVersion - message.ModelVersion).Num("norm", DetVec.Norm(payload)).Str("hash", hash).ToString());
    }

    /// <inheritdoc />
    public void Resolved(SimTime time, MessageInfo message)
        => Emit(Start("resolve", time).Int("msg", message.Id).Int("worker", message.Worker).Str("role", Role(message))
            .Str("fate", message.Fate.ToString().ToLowerInvariant()).Num("score", message.Score).Str("reason", message.Reason).ToString());

    /// <inheritdoc />
    public void Aggregated(SimTime time, long round, IReadOnlyList<MessageInfo> inputs, AggregationDiagnostics diagnostics)
    {
        _ids.Clear();
        _selected.Clear();
        _scores.Clear();
        for (int i = 0; i < inputs.Count; i++)
        {
            _ids.Add(inputs[i].Id);
            if (!diagnostics.HasSelection || diagnostics.Selected[i]) _selected.Add(inputs[i].Id);
            if (diagnostics.HasScores) _scores.Add(diagnostics.Scores[i]);
        }
        var line = Start("aggregate", time).Int("round", round).Ints("inputs", _ids).Ints("selected", _selected);
        if (diagnostics.HasScores) line.Nums("scores", _scores);
        Emit(line.ToString());
    }

    /// <inheritdoc />
    public void ModelUpdated(SimTime time, long version, ReadOnlySpan<float> parameters)
    {
        string hash = TraceHash.Of(parameters);
        if (_payloads is not null)
        {
            _lastModel ??= new float[parameters.Length];
            parameters.CopyTo(_lastModel);
            _lastModelHash = hash;
        }
        Emit(Start("update", time).Int("version", version).Str("hash", hash).ToString());
    }

    /// <inheritdoc />
    public void Evaluated(SimTime time, MetricsRow row)
    {
        // The model at each evaluation point is the periodic checkpoint.
        if (_payloads is not null && _lastModel is not null) _payloads.Add(_lastModelHash!, _lastModel);
        Emit(Start("eval", time).Int("step", row.Step).Num("learningRate", row.LearningRate)
            .Num("trainLoss", row.TrainLoss).Num("validationLoss", row.ValidationLoss).Num("validationAccuracy", row.ValidationAccuracy)
            .Num("testLoss", row.TestLoss).Num("testAccuracy", row.TestAccuracy)
            .Counts(row.Counts)
            .Num("stalenessMin", row.StalenessMin).Num("stalenessMean", row.StalenessMean).Num("stalenessMax", row.StalenessMax).ToString());
    }

    /// <inheritdoc />
    public void ClientsSampled(SimTime time, long round, int clients, int byzantine)
        => Emit(Start("clients", time).Int("round", round).Int("clients", clients).Int("byzantine", byzantine).ToString());

    /// <inheritdoc />
    public void AvailabilityChanged(SimTime time, int worker, bool up)
        => Emit(Start(up ? "recover" : "crash", time).Int("worker", worker).ToString());
}
