using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;

using SimByz.Simulator.Composition;

namespace SimByz.Simulator.Traces;

/// <summary>
/// Counterfactual replay with another defence or attack (<c>simbyz replay --aggregator/--attack</c>):
/// re-runs the recorded scenario from the same seed with the defence (and attack) replaced.
/// </summary>
/// <remarks>The recorded timing is reproduced exactly because every worker's compute and network delays
/// come from its own seeded streams, drawn in the same order whatever the defence; the result reports
/// how many arrivals (time, message, worker) matched the recorded first defence's, over the common
/// prefix (runs may end at different times).</remarks>
public static class CounterfactualReplay
{
    /// <summary>Re-runs <paramref name="doc"/>'s scenario with <paramref name="aggregator"/> (null: the
    /// recorded defences) and <paramref name="attack"/> (null: the recorded attack; "none" is read as "honest": Byzantine workers behave honestly).</summary>
    /// <remarks>Names resolve in <paramref name="composition"/> (default: the built-ins on the managed backend).</remarks>
    public static CounterfactualResult Run(TraceDocument doc, string? aggregator, string? attack, string simbyzVersion, int threads = 1, CancellationToken cancellation = default,
        CompositionRoot? composition = null, Action<DefenceProgress>? progress = null)
    {
        var s = doc.Scenario;
        var scenario = s with
        {
            Defences = aggregator is null ? s.Defences : [aggregator],
            Byzantine = attack is null ? s.Byzantine : s.Byzantine with { Attack = attack == "none" ? "honest" : attack },
        };
        var setup = ScenarioBuilder.Build(scenario, composition ?? CompositionRoot.Default);
        var (results, trace) = TracedExperiment.Run(scenario, setup, simbyzVersion, trace: true, maxThreads: threads, progress: progress, cancellation: cancellation);
        var comparison = new List<ComparisonRow>();
        foreach (var section in doc.Sections)
        {
            for (int i = section.LastLine; i >= section.FirstLine; i--)
            {
                var rec = doc.Record(i);
                if (rec.Value<string>("type") != "eval") continue;
                comparison.Add(FromEval(section.Defence, rec));
                break;
            }
        }
        foreach (var r in results)
        {
            var f = r.Final;
            comparison.Add(new ComparisonRow(r.Defence, "counterfactual", f.Step, f.TimeNs, f.TestAccuracy, f.TestLoss, f.TrainLoss, f.Counts));
        }
        var (compared, mismatch) = CompareArrivals(doc, trace!);
        return new CounterfactualResult(scenario, results, trace!, comparison, compared, mismatch);
    }

    private static ComparisonRow FromEval(string defence, JObject e) => new(defence, "recorded", e.Value<long>("step"), e.Value<long>("t"),
        Num(e["testAccuracy"]), Num(e["testLoss"]), Num(e["trainLoss"]), MessageCounts.Read(key => e.Value<long>(key)));

    private static double Num(JToken? t) => t is null ? double.NaN
        : t.Type == JTokenType.String ? double.Parse(t.Value<string>()!, CultureInfo.InvariantCulture) : t.Value<double>();

    private static (long Compared, string? Mismatch) CompareArrivals(TraceDocument doc, TraceContent rerun)
    {
        var recorded = new List<(long T, long Msg, long Worker)>();
        var first = doc.Sections[0];
        for (int i = first.FirstLine; i <= first.LastLine; i++)
        {
            var rec = doc.Record(i);
            if (rec.Value<string>("type") == "arrive") recorded.Add((rec.Value<long>("t"), rec.Value<long>("msg"), rec.Value<long>("worker")));
        }
        long compared = 0;
        int k = 0;
        int runs = 0;
        foreach (string line in rerun.Lines)
        {
            if (line.StartsWith("{\"type\":\"run\"", StringComparison.Ordinal) && ++runs > 1) break;
            if (!line.StartsWith("{\"type\":\"arrive\"", StringComparison.Ordinal)) continue;
            if (k >= recorded.Count) break;
            var rec = TraceDocument.ParseLine("re-run", line, 0);
            var got = (rec.Value<long>("t"), rec.Value<long>("msg"), rec.Value<long>("worker"));
            if (got != recorded[k])
            {
                return (compared, $"arrival {k}: recorded message {recorded[k].Msg} from worker {recorded[k].Worker} at {recorded[k].T} ns, re-run message {got.Item2} from worker {got.Item3} at {got.Item1} ns");
            }
            compared++;
            k++;
        }
        return (compared, null);
    }

    /// <summary>The comparison as CSV.</summary>
    public static string ComparisonCsv(IReadOnlyList<ComparisonRow> rows)
    {
        var sb = new StringBuilder("defence,source,step,time_ns,test_accuracy,test_loss,train_loss," + MessageCounts.CsvHeader + "\n");
        foreach (var r in rows)
        {
            sb.Append(Quote(r.Defence)).Append(',').Append(r.Source).Append(',').Append(I(r.Step)).Append(',').Append(I(r.TimeNs)).Append(',')
              .Append(MetricsRow.Format(r.TestAccuracy)).Append(',').Append(MetricsRow.Format(r.TestLoss)).Append(',').Append(MetricsRow.Format(r.TrainLoss)).Append(',');
            r.Counts.AppendCsv(sb).Append('\n');
        }
        return sb.ToString();
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal)
        ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : s;
}
