using System.Globalization;
using Newtonsoft.Json.Linq;
using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Scenarios;

/// <summary>
/// Strict, path-aware reading of a JSON object: every field is typed and range-checked, unknown
/// fields are rejected, and every error names the source, the JSON path and what is allowed.
/// </summary>
internal sealed class JsonFields
{
    private readonly JObject _obj;
    private readonly string _source;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public JsonFields(JToken? token, string source, string path)
    {
        _source = source;
        Path = path;
        _obj = token as JObject ?? throw Error(path, $"expected an object, got {Describe(token)}");
    }

    public string Path { get; }

    public SimByzException Error(string path, string message) => SimByzException.At(_source, path, message);

    /// <summary>
    /// The full path of the file named at <paramref name="path"/> (a plug-in, a trace, a base scenario), relative to
    /// <paramref name="baseDirectory"/>; an error at <paramref name="path"/> when the text is no path at all (a NUL
    /// character: the JSON escape \u0000), where <see cref="System.IO.Path.GetFullPath(string, string)"/> would throw.
    /// </summary>
    public string FullPath(string path, string value, string baseDirectory)
    {
        if (value.Contains('\0', StringComparison.Ordinal)) throw Error(path, "is not a usable path: it contains a NUL character (\\u0000)");
        return System.IO.Path.GetFullPath(value, baseDirectory);
    }

    private string Child(string key) => Path + "." + key;

    private JToken? Get(string key)
    {
        _known.Add(key);
        var t = _obj[key];
        return t is null || t.Type == JTokenType.Null ? null : t;
    }

    public bool Has(string key) => Get(key) is not null;

    public JsonFields Object(string key) => new(Get(key) ?? new JObject(), _source, Child(key));

    public JsonFields? OptionalObject(string key) => Get(key) is { } t ? new JsonFields(t, _source, Child(key)) : null;

    public string String(string key, string defaultValue) => String(key) ?? defaultValue;

    public string? String(string key)
    {
        var t = Get(key);
        if (t is null) return null;
        if (t.Type != JTokenType.String) throw Error(Child(key), $"expected a string, got {Describe(t)}");
        return (string)t!;
    }

    public string RequiredString(string key)
        => String(key) ?? throw Error(Child(key), "is required (a string)");

    public string Choice(string key, string defaultValue, params string[] allowed)
    {
        string v = String(key, defaultValue);
        if (!allowed.Contains(v, StringComparer.Ordinal)) throw Error(Child(key), $"'{v}' is not allowed: expected one of {string.Join(", ", allowed)}");
        return v;
    }

    public long Long(string key, long defaultValue, long min = long.MinValue, long max = long.MaxValue)
    {
        var t = Get(key);
        if (t is null) return defaultValue;
        if (t.Type != JTokenType.Integer) throw Error(Child(key), $"expected an integer, got {Describe(t)}");
        return InRange(t, Child(key), min, max);
    }

    public int Int(string key, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
        => (int)Long(key, defaultValue, min, max);

    public ulong ULong(string key, ulong defaultValue)
    {
        var t = Get(key);
        if (t is null) return defaultValue;
        if (t.Type != JTokenType.Integer) throw Error(Child(key), $"expected a non-negative integer, got {Describe(t)}");
        var big = t is JValue { Value: System.Numerics.BigInteger b } ? b : (System.Numerics.BigInteger)(long)t;
        if (big < 0 || big > ulong.MaxValue) throw Error(Child(key), $"{big} is out of range: expected an integer in [0, {ulong.MaxValue}]");
        return (ulong)big;
    }

    public double Double(string key, double defaultValue, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var t = Get(key);
        if (t is null) return defaultValue;
        if (t.Type is not (JTokenType.Integer or JTokenType.Float)) throw Error(Child(key), $"expected a number, got {Describe(t)}");
        double v = (double)t;
        if (!double.IsFinite(v) || v < min || v > max) throw Error(Child(key), $"{v.ToString(CultureInfo.InvariantCulture)} is out of range: expected {Range(min, max)}");
        return v;
    }

    /// <summary>A split size: a count (integer ≥ 0) or a fraction (a number in (0, 1)).</summary>
    public SplitSize Split(string key, SplitSize defaultValue)
    {
        var t = Get(key);
        if (t is null) return defaultValue;
        if (t.Type == JTokenType.Integer)
        {
            if (!TryLong(t, out long v) || v < 0 || v > int.MaxValue)
            {
                throw Error(Child(key), $"{t.ToString(Newtonsoft.Json.Formatting.None)} is out of range: expected a count in [0, {int.MaxValue}] or a fraction in (0, 1)");
            }
            return v == 0 ? SplitSize.None : SplitSize.Of((int)v);
        }
        if (t.Type == JTokenType.Float)
        {
            double f = (double)t;
            if (!(f > 0 && f < 1)) throw Error(Child(key), $"{f.ToString(CultureInfo.InvariantCulture)} is out of range: expected a count ≥ 0 or a fraction in (0, 1)");
            return SplitSize.OfFraction(f);
        }
        throw Error(Child(key), $"expected a count or a fraction, got {Describe(t)}");
    }

    public bool Bool(string key, bool defaultValue)
    {
        var t = Get(key);
        if (t is null) return defaultValue;
        if (t.Type != JTokenType.Boolean) throw Error(Child(key), $"expected true or false, got {Describe(t)}");
        return (bool)t;
    }

    /// <summary>A duration: a string such as "5ms" or a number of seconds.</summary>
    public SimTime? Duration(string key)
    {
        var t = Get(key);
        if (t is null) return null;
        if (t.Type is JTokenType.Integer or JTokenType.Float)
        {
            double s = (double)t;
            if (!double.IsFinite(s) || s < 0 || s > 9e9) throw Error(Child(key), "expected a non-negative duration");
            return SimTime.FromSeconds(s);
        }
        if (t.Type != JTokenType.String) throw Error(Child(key), $"expected a duration such as \"5ms\" or a number of seconds, got {Describe(t)}");
        string text = (string)t!;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            if (!double.IsFinite(seconds) || seconds < 0 || seconds > 9e9) throw Error(Child(key), "expected a non-negative duration");
            return SimTime.FromSeconds(seconds);
        }
        if (!SimTime.TryParse(text, out var v, out string err)) throw Error(Child(key), err);
        if (v < SimTime.Zero) throw Error(Child(key), "a duration cannot be negative");
        return v;
    }

    public IReadOnlyList<JToken> Array(string key)
    {
        var t = Get(key);
        if (t is null) return [];
        if (t is not JArray a) throw Error(Child(key), $"expected an array, got {Describe(t)}");
        return a.ToList();
    }

    public IReadOnlyList<string> StringArray(string key)
    {
        var items = Array(key);
        var result = new List<string>();
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].Type != JTokenType.String) throw Error($"{Child(key)}[{i}]", $"expected a string, got {Describe(items[i])}");
            result.Add((string)items[i]!);
        }
        return result;
    }

    public IReadOnlyList<long> LongArray(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        var items = Array(key);
        var result = new List<long>();
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].Type != JTokenType.Integer) throw Error($"{Child(key)}[{i}]", $"expected an integer, got {Describe(items[i])}");
            result.Add(InRange(items[i], $"{Child(key)}[{i}]", min, max));
        }
        return result;
    }

    /// <summary>Rejects fields that no reader asked for, listing the allowed ones.</summary>
    public void EnsureNoUnknown()
    {
        foreach (var prop in _obj.Properties())
        {
            if (!_known.Contains(prop.Name))
            {
                throw Error(Child(prop.Name), $"unknown field (allowed here: {string.Join(", ", _known.Order(StringComparer.Ordinal))})");
            }
        }
    }

    /// <summary>An integer token as a long, false when it does not fit in 64 bits (JSON integers have no size limit).</summary>
    internal static bool TryLong(JToken t, out long value)
    {
        value = 0;
        if (t is not JValue { Type: JTokenType.Integer } v) return false;
        switch (v.Value)
        {
            case long l:
                value = l;
                return true;
            case System.Numerics.BigInteger b when b >= long.MinValue && b <= long.MaxValue:
                value = (long)b;
                return true;
            case int i:
                value = i;
                return true;
            default:
                return false;
        }
    }

    /// <summary>An integer token checked against [<paramref name="min"/>, <paramref name="max"/>], with the range in the error.</summary>
    private long InRange(JToken t, string path, long min, long max)
    {
        if (!TryLong(t, out long v) || v < min || v > max)
        {
            throw Error(path, $"{t.ToString(Newtonsoft.Json.Formatting.None)} is out of range: expected {RangeOrAny(min, max)}");
        }
        return v;
    }

    private static string RangeOrAny(long min, long max)
    {
        string r = Range(min, max);
        return r == "any" ? $"an integer in [{long.MinValue}, {long.MaxValue}]" : r;
    }

    internal static string Describe(JToken? t) => t is null ? "nothing" : t.Type switch
    {
        JTokenType.String => $"the string \"{t}\"",
        JTokenType.Integer or JTokenType.Float => $"the number {t.ToString(Newtonsoft.Json.Formatting.None)}",
        JTokenType.Boolean => $"{t.ToString(Newtonsoft.Json.Formatting.None)}",
        JTokenType.Null => "null",
        JTokenType.Array => "an array",
        JTokenType.Object => "an object",
        _ => t.Type.ToString(),
    };

    private static string Range(double min, double max)
    {
        static string F(double x) => x.ToString(CultureInfo.InvariantCulture);
        bool lo = min > -1e300 && min != long.MinValue, hi = max < 1e300 && max != long.MaxValue;
        return (lo, hi) switch
        {
            (true, true) => $"[{F(min)}, {F(max)}]",
            (true, false) => $"≥ {F(min)}",
            (false, true) => $"≤ {F(max)}",
            _ => "any",
        };
    }
}
