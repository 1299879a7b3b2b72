using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;
using SimByz.Aggregation;
using SimByz.Simulator.Engine;
using SimByz.Scheduler;

using SimByz.Simulator.Composition;

namespace SimByz.Simulator.Traces;

/// <summary>
/// Counterfactual replay of recorded payloads (<c>simbyz replay --messages</c>): feeds the messages
/// of a recorded defence's aggregations, round by round, to another rule without re-training.
/// </summary>
/// <remarks>
/// Sync traces: each recorded <c>aggregate</c> record's inputs, in recorded order. Async traces: the
/// messages that reached the defence (not dropped), in arrival order, in consecutive buffers of
/// <c>buffer</c> messages (default protocol.asyncBuffer, else the worker count). The rule sees the
/// payloads only: rules that need the server's model and validation data (Zeno) cannot be replayed
/// this way (use <c>--aggregator</c>). A rule that reports no selection (mean, median) counts
/// as selecting every input, so every Byzantine input is "let in".
/// </remarks>
public static class MessageReplay
{
    /// <summary>Replays section <paramref name="section"/> of <paramref name="doc"/> through <paramref name="ruleSpec"/>: every row (see <see cref="Stream"/>).</summary>
    public static IReadOnlyList<MessageReplayRow> Run(TraceDocument doc, PayloadSidecar payloads, TraceSection section, string ruleSpec, int buffer = 0,
        CompositionRoot? composition = null) => Stream(doc, payloads, section, ruleSpec, buffer, composition).ToList();

    /// <summary>Replays section <paramref name="section"/> of <paramref name="doc"/> through <paramref name="ruleSpec"/>, one row
    /// per recorded aggregation (sync) or buffer (async), in order, as the trace is read.</summary>
    /// <param name="doc">The trace.</param>
    /// <param name="payloads">Its payload sidecar.</param>
    /// <param name="section">The recorded defence whose rounds are replayed.</param>
    /// <param name="ruleSpec">The rule to feed the messages to.</param>
    /// <param name="buffer">Async traces: messages per aggregation (0: the default).</param>
    /// <param name="composition">Where the rule's name resolves and which backend builds it (default: the
    /// built-ins, managed; the CLI passes the torch backend for <c>--backend torch</c>).</param>
    /// <remarks>Streamed: the trace is read one record at a time and a message is forgotten once its fate is recorded and
    /// its round replayed, so memory depends on the messages in flight, not on the trace's size. The rule is checked
    /// before the first row, and disposed once the rows are read or their enumeration is disposed (an enumeration never
    /// started leaves it to the collector; it has aggregated nothing then, so it holds no staging memory).</remarks>
    public static IEnumerable<MessageReplayRow> Stream(TraceDocument doc, PayloadSidecar payloads, TraceSection section, string ruleSpec, int buffer = 0,
        CompositionRoot? composition = null)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(payloads);
        ArgumentNullException.ThrowIfNull(section);
        composition ??= CompositionRoot.Default;
        var catalog = composition.Catalogs.Aggregators;
        var scenario = doc.Scenario;
        int byzCount = scenario.ResolveByzantine().Count(b => b);
        if (catalog.IsAsyncRule(ruleSpec))
        {
            throw new SimByzException($"--messages replays through a synchronous rule; '{ruleSpec}' is an asynchronous rule (use --aggregator to re-run with it)");
        }
        var rule = composition.Backend.CreateRule(catalog, ruleSpec, new AggregatorBuildContext(scenario.Seed, byzCount));
        bool async = scenario.Protocol.Kind == ProtocolKind.Async;
        int m = BufferSize(scenario, buffer);
        return DisposingAfter(async ? Async(doc, payloads, section, rule, ruleSpec, m) : Sync(doc, payloads, section, rule, ruleSpec), rule);
    }

    /// <summary>Messages per replayed round of an async trace: <paramref name="buffer"/> when positive, else
    /// protocol.asyncBuffer, else the clients per round (federated), else the worker count.</summary>
    public static int BufferSize(Scenarios.Scenario scenario, int buffer)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return buffer > 0 ? buffer : scenario.Protocol.AsyncBuffer > 0 ? scenario.Protocol.AsyncBuffer : scenario.Federation?.PerRound ?? scenario.Workers.Count;
    }

    /// <summary>The rows, then the rule disposed (a rule holding native memory frees it) once they are read or abandoned.</summary>
    private static IEnumerable<MessageReplayRow> DisposingAfter(IEnumerable<MessageReplayRow> rows, IAggregator rule)
    {
        try
        {
            foreach (var row in rows) yield return row;
        }
        finally
        {
            (rule as IDisposable)?.Dispose();
        }
    }

    /// <summary>A message that arrived: its payload hash, whether it is Byzantine, and its recorded fate once resolved.</summary>
    private sealed class Arrival(long id, long time, string hash, bool byzantine)
    {
        public long Id { get; } = id;
        public long Time { get; } = time;
        public string Hash { get; } = hash;
        public bool Byzantine { get; } = byzantine;
        public string? Fate { get; set; }
    }

    /// <summary>A replayed round waiting for the recorded fates of its inputs.</summary>
    private sealed class OpenRound(long round, long time, List<Arrival> inputs)
    {
        public long Round { get; } = round;
        public long Time { get; } = time;
        public List<Arrival> Inputs { get; } = inputs;
        public int Unresolved { get; set; } = inputs.Count(a => a.Fate is null);
        public Replayed? Result { get; set; }
    }

    private sealed record Replayed(List<long> Selected, List<long> LetIn, double Distance);

    private static IEnumerable<MessageReplayRow> Sync(TraceDocument doc, PayloadSidecar payloads, TraceSection section, IAggregator rule, string ruleSpec)
    {
        var diagnostics = new AggregationDiagnostics();
        // Arrived and not yet resolved; resolved inputs of rounds still waiting for other fates.
        var arrived = new Dictionary<long, Arrival>();
        var roundOf = new Dictionary<long, OpenRound>();
        var open = new Queue<OpenRound>();
        foreach (var (_, rec) in doc.Records(section.FirstLine, section.LastLine))
        {
            switch (rec.Value<string>("type"))
            {
                case "arrive":
                {
                    long id = rec.Value<long>("msg");
                    arrived[id] = new Arrival(id, rec.Value<long>("t"), rec.Value<string>("hash")!, rec.Value<string>("role") == "byzantine");
                    break;
                }
                case "resolve":
                {
                    long id = rec.Value<long>("msg");
                    string fate = rec.Value<string>("fate")!;
                    if (roundOf.Remove(id, out var round))
                    {
                        var input = round.Inputs.First(a => a.Id == id);
                        if (input.Fate is null) round.Unresolved--;
                        input.Fate = fate;
                    }
                    else if (arrived.TryGetValue(id, out var a))
                    {
                        a.Fate = fate;
                        // A message dropped before any aggregation is never an input.
                        if (fate == "dropped") arrived.Remove(id);
                    }
                    break;
                }
                case "aggregate":
                {
                    long number = rec.Value<long>("round");
                    string where = $"trace '{doc.Source}' defence '{section.Defence}' round {number}";
                    var inputs = new List<Arrival>();
                    foreach (var t in (JArray)rec["inputs"]!)
                    {
                        long id = t.Value<long>();
                        if (!arrived.Remove(id, out var a)) throw new SimByzException($"{where}: message {id} has no arrive record");
                        inputs.Add(a);
                    }
                    var round = new OpenRound(number, rec.Value<long>("t"), inputs);
                    round.Result = Replay(payloads, rule, ruleSpec, where, number, inputs, diagnostics);
                    foreach (var a in inputs)
                    {
                        if (a.Fate is null) roundOf[a.Id] = round;
                    }
                    open.Enqueue(round);
                    break;
                }
            }
            while (open.Count > 0 && open.Peek().Unresolved == 0) yield return Row(open.Dequeue());
        }
        while (open.Count > 0) yield return Row(open.Dequeue());
    }

    private static IEnumerable<MessageReplayRow> Async(TraceDocument doc, PayloadSidecar payloads, TraceSection section, IAggregator rule, string ruleSpec, int m)
    {
        var diagnostics = new AggregationDiagnostics();
        // Arrivals in order; the head leaves once its fate is known (a dropped one is no input).
        var queue = new LinkedList<Arrival>();
        var byId = new Dictionary<long, Arrival>();
        var current = new List<Arrival>();
        long groups = 0;
        MessageReplayRow? Take(Arrival a)
        {
            if (a.Fate == "dropped") return null;
            current.Add(a);
            if (current.Count < m) return null;
            long number = groups++;
            string where = $"trace '{doc.Source}' defence '{section.Defence}' round {number}";
            var round = new OpenRound(number, a.Time, current) { Unresolved = 0 };
            round.Result = Replay(payloads, rule, ruleSpec, where, number, current, diagnostics);
            current = [];
            return Row(round);
        }
        foreach (var (_, rec) in doc.Records(section.FirstLine, section.LastLine))
        {
            switch (rec.Value<string>("type"))
            {
                case "arrive":
                {
                    long id = rec.Value<long>("msg");
                    var a = new Arrival(id, rec.Value<long>("t"), rec.Value<string>("hash")!, rec.Value<string>("role") == "byzantine");
                    byId[id] = a;
                    queue.AddLast(a);
                    break;
                }
                case "resolve":
                    if (byId.Remove(rec.Value<long>("msg"), out var resolved)) resolved.Fate = rec.Value<string>("fate")!;
                    break;
            }
            while (queue.First is { } head && head.Value.Fate is not null)
            {
                queue.RemoveFirst();
                if (Take(head.Value) is { } row) yield return row;
            }
        }
        // Messages never resolved (in flight at the end) are inputs like the others.
        foreach (var a in queue)
        {
            if (Take(a) is { } row) yield return row;
        }
    }

    private static Replayed Replay(PayloadSidecar payloads, IAggregator rule, string ruleSpec, string where, long round, List<Arrival> inputs, AggregationDiagnostics diagnostics)
    {
        var vectors = new List<float[]>(inputs.Count);
        foreach (var a in inputs) vectors.Add(payloads.Get(a.Hash, where));
        if (vectors.Count == 0) throw new SimByzException($"{where}: the aggregation has no inputs");
        int d = vectors[0].Length;
        if (vectors.Any(v => v.Length != d)) throw new SimByzException($"{where}: the recorded payloads differ in length");
        var output = new float[d];
        try
        {
            rule.Aggregate(GradientBatch.FromRows(vectors), output, new AggregationContext { Round = round }, diagnostics);
        }
        catch (SimByzException ex)
        {
            throw new SimByzException($"{where}: rule '{ruleSpec}' cannot run on recorded payloads alone: {ex.Message}");
        }
        var selected = new List<long>();
        var letIn = new List<long>();
        for (int i = 0; i < inputs.Count; i++)
        {
            bool used = diagnostics.HasSelection ? diagnostics.Selected[i] : !diagnostics.HasWeights || diagnostics.Weights[i] != 0;
            if (!used) continue;
            selected.Add(inputs[i].Id);
            if (inputs[i].Byzantine) letIn.Add(inputs[i].Id);
        }
        var honestMean = new double[d];
        int honest = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Byzantine) continue;
            honest++;
            for (int j = 0; j < d; j++) honestMean[j] += vectors[i][j];
        }
        double distance = double.NaN;
        if (honest > 0)
        {
            var mean = new float[d];
            for (int j = 0; j < d; j++) mean[j] = (float)(honestMean[j] / honest);
            distance = Math.Sqrt(DetVec.SquaredDistance(output, mean));
        }
        return new Replayed(selected, letIn, distance);
    }

    private static MessageReplayRow Row(OpenRound round)
    {
        int recordedByz = round.Inputs.Count(a => a.Byzantine && a.Fate == "applied");
        var r = round.Result!;
        return new MessageReplayRow(round.Round, round.Time, round.Inputs.Select(a => a.Id).ToList(), round.Inputs.Select(a => a.Byzantine).ToList(),
            r.Selected, r.Distance, r.LetIn, recordedByz);
    }

    /// <summary>The CSV header of <see cref="AppendCsvLine"/>.</summary>
    public const string CsvHeader = "round,time_ns,inputs,byzantine_inputs,selected,distance_to_honest_mean,byzantine_let_in,byzantine_let_in_ids,recorded_byzantine_applied";

    /// <summary>The per-round CSV (docs/TRACE_FORMAT.md, Counterfactual replay).</summary>
    public static string Csv(IReadOnlyList<MessageReplayRow> rows)
    {
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in rows) AppendCsvLine(sb, r);
        return sb.ToString();
    }

    /// <summary>Appends the CSV line of <paramref name="r"/> (with its line end) to <paramref name="sb"/>.</summary>
    public static StringBuilder AppendCsvLine(StringBuilder sb, MessageReplayRow r)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(r);
        return sb.Append(r.Round.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.TimeNs.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Inputs.Count.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Byzantine.Count(b => b).ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Selected.Count.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.DistanceToHonestMean.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(r.ByzantineLetIn.Count.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(string.Join(' ', r.ByzantineLetIn.Select(i => i.ToString(CultureInfo.InvariantCulture)))).Append(',')
              .Append(r.RecordedByzantineApplied.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
