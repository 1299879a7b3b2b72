using System.Globalization;
using System.Text;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Traces;

/// <summary>
/// Builds one trace record: a single-line JSON object whose fields appear in the order they are
/// added, with invariant-culture numbers, shortest round-trip doubles and non-finite doubles as the
/// strings "NaN", "Infinity", "-Infinity". The same values always give the same bytes.
/// </summary>
internal sealed class TraceLine
{
    private readonly StringBuilder _sb = new(160);
    private bool _first = true;

    public TraceLine(string type)
    {
        _sb.Append('{');
        Str("type", type);
    }

    public TraceLine Str(string name, string? value)
    {
        Name(name);
        if (value is null) _sb.Append("null");
        else AppendString(_sb, value);
        return this;
    }

    public TraceLine Int(string name, long value)
    {
        Name(name);
        _sb.Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public TraceLine Num(string name, double value)
    {
        Name(name);
        AppendNumber(_sb, value);
        return this;
    }

    public TraceLine Bool(string name, bool value)
    {
        Name(name);
        _sb.Append(value ? "true" : "false");
        return this;
    }

    /// <summary>The six message counters, under their <see cref="MessageCounts.Fields"/> names.</summary>
    public TraceLine Counts(MessageCounts counts)
    {
        foreach (var (name, value) in counts.Fields()) Int(name, value);
        return this;
    }

    public TraceLine Ints(string name, IReadOnlyList<long> values)
    {
        Name(name);
        _sb.Append('[');
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) _sb.Append(',');
            _sb.Append(values[i].ToString(CultureInfo.InvariantCulture));
        }
        _sb.Append(']');
        return this;
    }

    public TraceLine Nums(string name, IReadOnlyList<double> values)
    {
        Name(name);
        _sb.Append('[');
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) _sb.Append(',');
            AppendNumber(_sb, values[i]);
        }
        _sb.Append(']');
        return this;
    }

    /// <summary>Appends already-serialized JSON (the resolved scenario, a nested object).</summary>
    public TraceLine Raw(string name, string json)
    {
        Name(name);
        _sb.Append(json);
        return this;
    }

    public override string ToString() => _sb.ToString() + "}";

    private void Name(string name)
    {
        if (!_first) _sb.Append(',');
        _first = false;
        AppendString(_sb, name);
        _sb.Append(':');
    }

    internal static void AppendNumber(StringBuilder sb, double v)
    {
        if (double.IsFinite(v)) sb.Append(v.ToString("R", CultureInfo.InvariantCulture));
        else sb.Append('"').Append(v.ToString(CultureInfo.InvariantCulture)).Append('"');
    }

    internal static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
