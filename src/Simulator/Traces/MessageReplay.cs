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
    /// <summary>Replays section <paramref name="section"/> of <paramref name="doc"/> through <paramref name="ruleSpec"/>.</summary>
    /// <param name="doc">The trace.</param>
    /// <param name="payloads">Its payload sidecar.</param>
    /// <param name="section">The recorded defence whose rounds are replayed.</param>
    /// <param name="ruleSpec">The rule to feed the messages to.</param>
    /// <param name="buffer">Async traces: messages per aggregation (0: the default).</param>
    /// <param name="composition">Where the rule's name resolves and which backend builds it (default: the
    /// built-ins, managed; the CLI passes the torch backend for <c>--backend torch</c>).</param>
    public static IReadOnlyList<MessageReplayRow> Run(TraceDocument doc, PayloadSidecar payloads, TraceSection section, string ruleSpec, int buffer = 0,
        CompositionRoot? composition = null)
    {
        composition ??= CompositionRoot.Default;
        var catalog = composition.Catalogs.Aggregators;
        var scenario = doc.Scenario;
        int byzCount = scenario.ResolveByzantine().Count(b => b);
        if (catalog.IsAsyncRule(ruleSpec))
        {
            throw new SimByzException($"--messages replays through a synchronous rule; '{ruleSpec}' is an asynchronous rule (use --aggregator to re-run with it)");
        }
        var rule = composition.Backend.CreateRule(catalog, ruleSpec, new AggregatorBuildContext(scenario.Seed, byzCount));
        var hashes = new Dictionary<long, (string Hash, bool Byzantine)>();
        var fates = new Dictionary<long, string>();
        var groups = new List<(long Round, long Time, List<long> Ids)>();
        bool async = scenario.Protocol.Kind == ProtocolKind.Async;
        var arrivals = new List<(long Id, long Time)>();
        for (int i = section.FirstLine; i <= section.LastLine; i++)
        {
            var rec = doc.Record(i);
            switch (rec.Value<string>("type"))
            {
                case "arrive":
                    long id = rec.Value<long>("msg");
                    hashes[id] = (rec.Value<string>("hash")!, rec.Value<string>("role") == "byzantine");
                    arrivals.Add((id, rec.Value<long>("t")));
                    break;
                case "resolve":
                    fates[rec.Value<long>("msg")] = rec.Value<string>("fate")!;
                    break;
                case "aggregate" when !async:
                    groups.Add((rec.Value<long>("round"), rec.Value<long>("t"), ((JArray)rec["inputs"]!).Select(t => t.Value<long>()).ToList()));
                    break;
            }
        }
        if (async)
        {
            int m = buffer > 0 ? buffer : scenario.Protocol.AsyncBuffer > 0 ? scenario.Protocol.AsyncBuffer : scenario.Federation?.PerRound ?? scenario.Workers.Count;
            var current = new List<long>();
            foreach (var (id, time) in arrivals)
            {
                if (fates.GetValueOrDefault(id) == "dropped") continue;
                current.Add(id);
                if (current.Count == m)
                {
                    groups.Add((groups.Count, time, current));
                    current = [];
                }
            }
        }
        var rows = new List<MessageReplayRow>(groups.Count);
        var diagnostics = new AggregationDiagnostics();
        foreach (var (round, time, ids) in groups)
        {
            string where = $"trace '{doc.Source}' defence '{section.Defence}' round {round}";
            var vectors = new List<float[]>(ids.Count);
            var byz = new List<bool>(ids.Count);
            foreach (long id in ids)
            {
                if (!hashes.TryGetValue(id, out var h)) throw new SimByzException($"{where}: message {id} has no arrive record");
                vectors.Add(payloads.Get(h.Hash, where));
                byz.Add(h.Byzantine);
            }
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
            for (int i = 0; i < ids.Count; i++)
            {
                bool used = diagnostics.HasSelection ? diagnostics.Selected[i] : !diagnostics.HasWeights || diagnostics.Weights[i] != 0;
                if (!used) continue;
                selected.Add(ids[i]);
                if (byz[i]) letIn.Add(ids[i]);
            }
            var honestMean = new double[d];
            int honest = 0;
            for (int i = 0; i < ids.Count; i++)
            {
                if (byz[i]) continue;
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
            int recordedByz = 0;
            for (int i = 0; i < ids.Count; i++)
            {
                if (byz[i] && fates.GetValueOrDefault(ids[i]) == "applied") recordedByz++;
            }
            rows.Add(new MessageReplayRow(round, time, ids, byz, selected, distance, letIn, recordedByz));
        }
        return rows;
    }

    /// <summary>The per-round CSV (docs/TRACE_FORMAT.md, Counterfactual replay).</summary>
    public static string Csv(IReadOnlyList<MessageReplayRow> rows)
    {
        var sb = new StringBuilder("round,time_ns,inputs,byzantine_inputs,selected,distance_to_honest_mean,byzantine_let_in,byzantine_let_in_ids,recorded_byzantine_applied\n");
        foreach (var r in rows)
        {
            sb.Append(r.Round.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.TimeNs.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Inputs.Count.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Byzantine.Count(b => b).ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Selected.Count.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.DistanceToHonestMean.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(r.ByzantineLetIn.Count.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(string.Join(' ', r.ByzantineLetIn.Select(i => i.ToString(CultureInfo.InvariantCulture)))).Append(',')
              .Append(r.RecordedByzantineApplied.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }
}
