using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Traces;

/// <summary>
/// Converts a trace to Chrome trace-event JSON, which Perfetto (ui.perfetto.dev) and chrome://tracing open
/// (docs/TRACE_FORMAT.md, Perfetto export).
/// </summary>
/// <remarks>One process per defence (pid = defence index + 1); thread 0 is the server, thread w + 1 is
/// worker w. Compute is a complete slice (<c>ph "X"</c>) on the worker's thread from dispatch to compute
/// done; each message is a flow (<c>ph "s"</c> at compute done on the worker, <c>ph "f"</c> at arrival on
/// the server) plus an arrival slice on the server carrying worker, role, staleness, norm, fate and
/// score in its args; aggregations and model updates are instants (<c>ph "i"</c>) on the server;
/// crashes and recoveries are instants on the worker. Times are microseconds (ns / 1000).</remarks>
public static class PerfettoExport
{
    /// <summary>Writes the trace-event JSON of <paramref name="doc"/> to <paramref name="output"/>.</summary>
    public static void Write(TraceDocument doc, TextWriter output)
    {
        using var w = new JsonTextWriter(output) { Formatting = Formatting.None, CloseOutput = false, Culture = CultureInfo.InvariantCulture };
        w.WriteStartObject();
        w.WritePropertyName("displayTimeUnit");
        w.WriteValue("ms");
        w.WritePropertyName("traceEvents");
        w.WriteStartArray();
        // A federated run names only the clients that took part (as they first appear), never all N.
        bool federated = doc.Scenario.Federation is not null;
        int workers = federated ? 0 : doc.Scenario.Workers.Count;
        bool[] byz = federated ? [] : doc.Scenario.ResolveByzantine();
        foreach (var section in doc.Sections)
        {
            int pid = section.Index + 1;
            Meta(w, pid, null, "process_name", $"defence {section.Index}: {section.Defence}");
            Meta(w, pid, 0, "thread_name", "server");
            for (int k = 0; k < workers; k++) Meta(w, pid, k + 1, "thread_name", $"worker {k}{(byz[k] ? " (Byzantine)" : "")}");
            // Fates are decided after arrival: a second reader runs ahead to each arrival's resolve record. Both forget a
            // message once it is written, so memory depends on the messages in flight, not on the trace's size.
            using var fates = new FateLookahead(doc, section);
            var dispatches = new Dictionary<long, JObject>();
            var named = new HashSet<long>();
            foreach (var (i, rec) in doc.Records(section.FirstLine, section.LastLine))
            {
                fates.Passed(i);
                long t = rec.Value<long>("t");
                switch (rec.Value<string>("type"))
                {
                    case "dispatch":
                        dispatches[rec.Value<long>("msg")] = rec;
                        if (federated && named.Add(rec.Value<long>("worker")))
                        {
                            long client = rec.Value<long>("worker");
                            Meta(w, pid, (int)client + 1, "thread_name", $"client {client}{(rec.Value<string>("role") == "byzantine" ? " (Byzantine)" : "")}");
                        }
                        break;
                    case "compute":
                    {
                        long msg = rec.Value<long>("msg");
                        int tid = rec.Value<int>("worker") + 1;
                        long start = dispatches.Remove(msg, out var d) ? d.Value<long>("t") : t;
                        Event(w, "X", $"compute m{msg}", "compute", pid, tid, start, t - start, ("msg", msg), ("version", d?.Value<long>("version") ?? -1));
                        Flow(w, "s", pid, tid, t, FlowId(section.Index, msg));
                        break;
                    }
                    case "arrive":
                    {
                        long msg = rec.Value<long>("msg");
                        var fate = fates.Find(msg, i);
                        Flow(w, "f", pid, 0, t, FlowId(section.Index, msg));
                        Event(w, "X", $"arrive m{msg} w{rec.Value<long>("worker")}", "message", pid, 0, t, 0,
                            ("msg", msg), ("worker", rec.Value<long>("worker")), ("role", rec.Value<string>("role")),
                            ("staleness", rec.Value<long>("staleness")), ("norm", rec["norm"]), ("fate", fate?.Value<string>("fate")),
                            ("score", fate?["score"]), ("reason", fate?.Value<string>("reason")));
                        break;
                    }
                    case "aggregate":
                        Event(w, "i", $"aggregate round {rec.Value<long>("round")}", "server", pid, 0, t, null,
                            ("round", rec.Value<long>("round")), ("inputs", rec["inputs"]), ("selected", rec["selected"]));
                        break;
                    case "update":
                        Event(w, "i", $"model v{rec.Value<long>("version")}", "server", pid, 0, t, null, ("version", rec.Value<long>("version")), ("hash", rec.Value<string>("hash")));
                        break;
                    case "eval":
                        Event(w, "i", $"eval step {rec.Value<long>("step")}", "eval", pid, 0, t, null, ("testAccuracy", rec["testAccuracy"]), ("testLoss", rec["testLoss"]));
                        break;
                    case "crash":
                    {
                        // A crashed worker's dispatched messages are never computed.
                        long worker = rec.Value<long>("worker");
                        foreach (long msg in dispatches.Where(p => p.Value.Value<long>("worker") == worker).Select(p => p.Key).ToList()) dispatches.Remove(msg);
                        Event(w, "i", "crash", "availability", pid, (int)worker + 1, t, null);
                        break;
                    }
                    case "recover":
                        Event(w, "i", rec.Value<string>("type")!, "availability", pid, rec.Value<int>("worker") + 1, t, null);
                        break;
                }
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The resolve records of a section, read ahead of the writer: a fate is kept from its resolve record until its
    /// arrival is written, or until the writer passes the resolve record (a message dropped before it arrived).</summary>
    private sealed class FateLookahead : IDisposable
    {
        private readonly IEnumerator<(int Index, JObject Record)> _ahead;
        private readonly Dictionary<long, JObject> _fates = new();
        private readonly Queue<(int Index, long Msg)> _order = new();
        private bool _done;

        public FateLookahead(TraceDocument doc, TraceSection section)
        {
            _ahead = doc.Records(section.FirstLine, section.LastLine).GetEnumerator();
        }

        /// <summary>The writer is at line <paramref name="index"/>: fates resolved before it whose arrival was not written are forgotten.</summary>
        public void Passed(int index)
        {
            while (_order.Count > 0 && _order.Peek().Index < index) _fates.Remove(_order.Dequeue().Msg);
        }

        /// <summary>The resolve record of <paramref name="msg"/>, which arrived at line <paramref name="index"/> (null when it has none).</summary>
        public JObject? Find(long msg, int index)
        {
            while (!_fates.ContainsKey(msg) && !_done)
            {
                if (!_ahead.MoveNext())
                {
                    _done = true;
                    break;
                }
                var (i, rec) = _ahead.Current;
                if (i <= index || rec.Value<string>("type") != "resolve") continue;
                long id = rec.Value<long>("msg");
                _fates[id] = rec;
                _order.Enqueue((i, id));
            }
            return _fates.Remove(msg, out var fate) ? fate : null;
        }

        public void Dispose() => _ahead.Dispose();
    }

    private static long FlowId(int defence, long msg) => (defence + 1L) * 1_000_000_000L + msg;

    private static double Us(long ns) => ns / 1000.0;

    private static void Meta(JsonTextWriter w, int pid, int? tid, string name, string value)
    {
        w.WriteStartObject();
        w.WritePropertyName("ph"); w.WriteValue("M");
        w.WritePropertyName("name"); w.WriteValue(name);
        w.WritePropertyName("pid"); w.WriteValue(pid);
        if (tid is not null)
        {
            w.WritePropertyName("tid"); w.WriteValue(tid.Value);
        }
        w.WritePropertyName("args");
        w.WriteStartObject();
        w.WritePropertyName("name"); w.WriteValue(value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Flow(JsonTextWriter w, string ph, int pid, int tid, long ns, long id)
    {
        w.WriteStartObject();
        w.WritePropertyName("ph"); w.WriteValue(ph);
        w.WritePropertyName("name"); w.WriteValue("message");
        w.WritePropertyName("cat"); w.WriteValue("message");
        w.WritePropertyName("id"); w.WriteValue(id);
        w.WritePropertyName("pid"); w.WriteValue(pid);
        w.WritePropertyName("tid"); w.WriteValue(tid);
        w.WritePropertyName("ts"); w.WriteValue(Us(ns));
        if (ph == "f")
        {
            w.WritePropertyName("bp"); w.WriteValue("e");
        }
        w.WriteEndObject();
    }

    private static void Event(JsonTextWriter w, string ph, string name, string cat, int pid, int tid, long ns, long? durNs, params (string Key, object? Value)[] args)
    {
        w.WriteStartObject();
        w.WritePropertyName("ph"); w.WriteValue(ph);
        w.WritePropertyName("name"); w.WriteValue(name);
        w.WritePropertyName("cat"); w.WriteValue(cat);
        w.WritePropertyName("pid"); w.WriteValue(pid);
        w.WritePropertyName("tid"); w.WriteValue(tid);
        w.WritePropertyName("ts"); w.WriteValue(Us(ns));
        if (durNs is not null)
        {
            w.WritePropertyName("dur"); w.WriteValue(Us(durNs.Value));
        }
        if (ph == "i")
        {
            w.WritePropertyName("s"); w.WriteValue("t");
        }
        w.WritePropertyName("args");
        w.WriteStartObject();
        foreach (var (key, value) in args)
        {
            w.WritePropertyName(key);
            if (value is JToken token) token.WriteTo(w);
            else w.WriteValue(value);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
