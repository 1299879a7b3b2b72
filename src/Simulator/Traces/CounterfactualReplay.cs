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
    /// recorded defences) and <paramref name="attack"/> (null: the recorded attack; "none" is read as "honest": Byzantine workers behave honestly),
    /// writing the re-run's metrics.csv and trace.jsonl into <paramref name="output"/> as it goes (committed by the caller).</summary>
    /// <remarks>Names resolve in <paramref name="composition"/> (default: the built-ins on the managed backend). Memory does not
    /// depend on the size of either trace: the re-run streams its trace to <paramref name="output"/>, and both traces are
    /// compared from their files one line at a time. The results keep a bounded sample of evaluation points
    /// (<see cref="TracedExperiment.PlottedRows"/>, always the last); metrics.csv has them all.</remarks>
    public static CounterfactualResult Run(TraceDocument doc, AtomicOutput output, string? aggregator, string? attack, string simbyzVersion, int threads = 1,
        CancellationToken cancellation = default, CompositionRoot? composition = null, Action<DefenceProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(output);
        var s = doc.Scenario;
        var scenario = s with
        {
            Defences = aggregator is null ? s.Defences : [aggregator],
            Byzantine = attack is null ? s.Byzantine : s.Byzantine with { Attack = attack == "none" ? "honest" : attack },
        };
        var setup = ScenarioBuilder.Build(scenario, composition ?? CompositionRoot.Default);
        var results = TracedExperiment.RunInto(output, scenario, setup, simbyzVersion, trace: true, maxThreads: threads, progress: progress, cancellation: cancellation);
        var comparison = new List<ComparisonRow>();
        foreach (var section in doc.Sections)
        {
            string? lastEval = null;
            int lastEvalIndex = -1, i = section.FirstLine;
            foreach (string line in doc.ReadLines(section.FirstLine, section.LastLine))
            {
                if (line.StartsWith(EvalPrefix, StringComparison.Ordinal))
                {
                    lastEval = line;
                    lastEvalIndex = i;
                }
                i++;
            }
            if (lastEval is not null) comparison.Add(FromEval(section.Defence, TraceDocument.ParseLine(doc.Source, lastEval, lastEvalIndex + 1)));
        }
        foreach (var r in results)
        {
            var f = r.Final;
            comparison.Add(new ComparisonRow(r.Defence, "counterfactual", f.Step, f.TimeNs, f.TestAccuracy, f.TestLoss, f.TrainLoss, f.Counts));
        }
        long compared;
        string? mismatch;
        using (var rerun = output.OpenText(TraceContent.FileName))
        {
            (compared, mismatch) = CompareArrivals(doc, ReadLines(rerun));
        }
        return new CounterfactualResult(scenario, results, comparison, compared, mismatch);
    }

    private const string EvalPrefix = "{\"type\":\"eval\"";
    private const string ArrivePrefix = "{\"type\":\"arrive\"";
    private const string RunPrefix = "{\"type\":\"run\"";

    private static IEnumerable<string> ReadLines(TextReader reader)
    {
        while (reader.ReadLine() is { } line) yield return line;
    }

    private static ComparisonRow FromEval(string defence, JObject e) => new(defence, "recorded", e.Value<long>("step"), e.Value<long>("t"),
        Num(e["testAccuracy"]), Num(e["testLoss"]), Num(e["trainLoss"]), MessageCounts.Read(key => e.Value<long>(key)));

    private static double Num(JToken? t) => t is null ? double.NaN
        : t.Type == JTokenType.String ? double.Parse(t.Value<string>()!, CultureInfo.InvariantCulture) : t.Value<double>();

    /// <summary>The arrivals of the recorded first defence against the re-run's first defence, in lockstep over the common prefix.</summary>
    private static (long Compared, string? Mismatch) CompareArrivals(TraceDocument doc, IEnumerable<string> rerun)
    {
        var first = doc.Sections[0];
        using var recorded = doc.ReadLines(first.FirstLine, first.LastLine).Where(l => l.StartsWith(ArrivePrefix, StringComparison.Ordinal)).GetEnumerator();
        long compared = 0;
        int runs = 0;
        foreach (string line in rerun)
        {
            if (line.StartsWith(RunPrefix, StringComparison.Ordinal) && ++runs > 1) break;
            if (!line.StartsWith(ArrivePrefix, StringComparison.Ordinal)) continue;
            if (!recorded.MoveNext()) break;
            var r = TraceDocument.ParseLine(doc.Source, recorded.Current, 0);
            var want = (T: r.Value<long>("t"), Msg: r.Value<long>("msg"), Worker: r.Value<long>("worker"));
            var rec = TraceDocument.ParseLine("re-run", line, 0);
            var got = (T: rec.Value<long>("t"), Msg: rec.Value<long>("msg"), Worker: rec.Value<long>("worker"));
            if (got != want)
            {
                return (compared, $"arrival {compared}: recorded message {want.Msg} from worker {want.Worker} at {want.T} ns, re-run message {got.Msg} from worker {got.Worker} at {got.T} ns");
            }
            compared++;
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
