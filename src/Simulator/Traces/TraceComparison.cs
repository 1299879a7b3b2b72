using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Traces;

/// <summary>Compares a recorded trace with a re-run's lines, record by record (exact replay).</summary>
public static class TraceComparison
{
    /// <summary>The first divergence of <paramref name="rerun"/> from <paramref name="recorded"/>, or null when
    /// every record (end record included) is identical.</summary>
    public static TraceDivergence? FirstDivergence(TraceDocument recorded, IReadOnlyList<string> rerun)
        => FirstDivergence(recorded, (IEnumerable<string>)rerun);

    /// <summary>The first divergence of <paramref name="rerun"/> (read once, in order: a re-run's trace streamed from its
    /// file, say) from <paramref name="recorded"/>, or null when every record (end record included) is identical.</summary>
    public static TraceDivergence? FirstDivergence(TraceDocument recorded, IEnumerable<string> rerun)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(rerun);
        // Both sides are read one line at a time: memory does not depend on the traces' size.
        using var fresh = rerun.GetEnumerator();
        using var old = recorded.ReadLines().GetEnumerator();
        for (int i = 0; ; i++)
        {
            string? a = old.MoveNext() ? old.Current : null;
            string? b = fresh.MoveNext() ? fresh.Current : null;
            if (a is null && b is null) return null;
            if (a == b) continue;
            string? defence = DefenceAt(recorded, i);
            if (a is null) return new TraceDivergence(i + 1, defence, "(none)", "(record)", "end of trace", Describe(b!));
            var expected = TraceDocument.ParseLine(recorded.Source, a, i + 1);
            string recordName = RecordName(expected);
            if (b is null) return new TraceDivergence(i + 1, defence, recordName, "(record)", recordName, "end of re-run");
            var got = TraceDocument.ParseLine("re-run", b, i + 1);
            foreach (var prop in expected.Properties())
            {
                var other = got[prop.Name];
                if (other is null) return new TraceDivergence(i + 1, defence, recordName, prop.Name, prop.Value.ToString(Formatting.None), "(missing)");
                if (!JToken.DeepEquals(prop.Value, other))
                {
                    return new TraceDivergence(i + 1, defence, recordName, prop.Name, prop.Value.ToString(Formatting.None), other.ToString(Formatting.None));
                }
            }
            foreach (var prop in got.Properties())
            {
                if (expected[prop.Name] is null) return new TraceDivergence(i + 1, defence, recordName, prop.Name, "(missing)", prop.Value.ToString(Formatting.None));
            }
            // Same values, different bytes (spacing, number spelling).
            return new TraceDivergence(i + 1, defence, recordName, "(text)", a, b!);
        }
    }

    private static string Describe(string line)
    {
        var rec = TraceDocument.ParseLine("re-run", line, 0);
        return RecordName(rec);
    }

    private static string RecordName(JObject rec)
    {
        string type = rec.Value<string>("type") ?? "?";
        return rec["n"] is { } n ? $"{type} n={n}" : type;
    }

    private static string? DefenceAt(TraceDocument doc, int index)
    {
        foreach (var s in doc.Sections)
        {
            if (index >= s.RunLine && index <= s.LastLine) return s.Defence;
        }
        return null;
    }
}
