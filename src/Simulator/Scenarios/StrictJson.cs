using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Scenarios;

/// <summary>
/// The one way JSON enters SimByz (scenario files, <c>--set</c> values, sweep grids, trace records, the
/// payload index, stored sweep runs): one JSON value and nothing after it but comments, a key given twice
/// in an object rejected, <c>NaN</c>/<c>Infinity</c> literals rejected (they are not JSON), strings that
/// are not Unicode text rejected, nesting at most <see cref="MaxDepth"/> deep. Files go through
/// <see cref="StrictText"/> first (UTF-8 only).
/// </summary>
/// <remarks>
/// Integers too large for 64 bits are kept (as big integers) so that the reader of a field can say
/// "out of range" with the field's path and range (<see cref="JsonFields"/>); nothing here converts a
/// number. Every error is a <see cref="SimByzException"/> naming the source, the line and the position.
/// Stateless and thread-safe.
/// </remarks>
public static class StrictJson
{
    /// <summary>The deepest nesting of arrays and objects accepted.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonLoadSettings Settings = new()
    {
        DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
        CommentHandling = CommentHandling.Ignore,
        LineInfoHandling = LineInfoHandling.Load,
    };

    /// <summary>Reads the JSON object in file <paramref name="path"/>; <paramref name="what"/> names it ("scenario file").</summary>
    public static JObject ReadObjectFile(string path, string what)
        => ParseObject(StrictText.ReadFile(path, what), path, what);

    /// <summary>Parses <paramref name="text"/>, which must hold one JSON object; <paramref name="what"/> names it in errors ("scenario").</summary>
    public static JObject ParseObject(string text, string source, string what)
        => Parse(text, source) as JObject ?? throw new SimByzException($"{source}: the {what} must be a JSON object");

    /// <summary>Parses <paramref name="text"/>, which must hold one JSON value.</summary>
    /// <exception cref="SimByzException">Malformed JSON, text after the value, or a value the policy rejects.</exception>
    public static JToken Parse(string text, string source)
    {
        if (text.AsSpan().Trim().IsEmpty) throw new SimByzException($"{source}: empty: expected a JSON value");
        JToken token;
        try
        {
            using var reader = NewReader(text);
            token = JToken.ReadFrom(reader, Settings);
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.Comment)
                {
                    throw new SimByzException($"{source}: line {reader.LineNumber}, position {reader.LinePosition}: unexpected text after the JSON value");
                }
            }
        }
        catch (JsonReaderException ex)
        {
            throw new SimByzException($"{source}: line {ex.LineNumber}, position {ex.LinePosition}: malformed JSON: {FirstSentence(ex.Message)}", ex);
        }
        Check(token, source);
        return token;
    }

    /// <summary>
    /// A <c>--set</c> value: JSON when the text is JSON (and then under the whole policy: a duplicate key
    /// is an error, not the last value silently), else the text itself as a string.
    /// </summary>
    public static JToken ParseSetValue(string raw, string source)
    {
        StrictText.CheckScalarValues(raw, source);
        if (!LooksLikeJson(raw)) return new JValue(raw);
        return Parse(raw, source);
    }

    /// <summary>Whether <paramref name="raw"/> parses as one JSON value when duplicates and the other policy checks are ignored.</summary>
    private static bool LooksLikeJson(string raw)
    {
        try
        {
            using var reader = NewReader(raw);
            JToken.ReadFrom(reader, new JsonLoadSettings { DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Ignore, CommentHandling = CommentHandling.Ignore });
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.Comment) return false;
            }
            return true;
        }
        catch (JsonReaderException)
        {
            // Too deep is still JSON (and then an error); anything else is a plain string.
            return raw.TrimStart().StartsWith('[') || raw.TrimStart().StartsWith('{');
        }
    }

    private static JsonTextReader NewReader(string text) => new(new StringReader(text))
    {
        DateParseHandling = DateParseHandling.None,
        FloatParseHandling = FloatParseHandling.Double,
        MaxDepth = MaxDepth,
    };

    /// <summary>Rejects what the reader accepts but JSON is not: NaN and infinite literals, non-Unicode strings.</summary>
    private static void Check(JToken token, string source)
    {
        var pending = new Stack<JToken>();
        pending.Push(token);
        while (pending.Count > 0)
        {
            var t = pending.Pop();
            switch (t)
            {
                case JObject o:
                    foreach (var p in o.Properties())
                    {
                        StrictText.CheckScalarValues(p.Name, Where(source, p));
                        pending.Push(p.Value);
                    }
                    break;
                case JArray a:
                    foreach (var item in a) pending.Push(item);
                    break;
                case JValue { Type: JTokenType.Float } v when v.Value is double d && !double.IsFinite(d):
                    throw new SimByzException($"{Where(source, v)}: {(double.IsNaN(d) ? "NaN" : "an infinite number")} is not a JSON number");
                case JValue { Type: JTokenType.String } v:
                    StrictText.CheckScalarValues((string)v.Value!, Where(source, v));
                    break;
            }
        }
    }

    private static string Where(string source, JToken t)
    {
        var info = (IJsonLineInfo)t;
        string path = t.Path.Length == 0 ? "$" : "$." + t.Path;
        return info.HasLineInfo() ? $"{source}: line {info.LineNumber}, position {info.LinePosition}: {path}" : $"{source}: {path}";
    }

    private static string FirstSentence(string message)
    {
        const string duplicate = "Property with the name '";
        if (message.StartsWith(duplicate, StringComparison.Ordinal))
        {
            int end = message.IndexOf("' already exists", duplicate.Length, StringComparison.Ordinal);
            if (end > 0) return $"key '{message[duplicate.Length..end]}' appears twice in one object";
        }
        int i = message.IndexOf(". Path", StringComparison.Ordinal);
        if (i < 0) i = message.IndexOf(", line ", StringComparison.Ordinal);
        return (i > 0 ? message[..i] : message).TrimEnd('.');
    }
}
