using System.Globalization;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Traces;

/// <summary>
/// The fields every trace record must carry, with their JSON types (docs/TRACE_FORMAT.md, Records),
/// checked once when a trace is loaded so that the readers after it (replays, export, comparison) can
/// take a field's type for granted: an edited trace is an error naming the line and the field, never
/// a conversion that fails half-way through a replay.
/// </summary>
/// <remarks>Integers must fit in 64 bits and be ≥ 0 (worker ids also below the scenario's worker count);
/// numbers are JSON numbers or the strings "NaN", "Infinity", "-Infinity" the writer uses for
/// non-finite values.</remarks>
internal static class TraceSchema
{
    private enum Kind { Int, Worker, Num, Str, NullableStr, Role, Ints, Nums }

    private static readonly (string Name, Kind Kind)[] EventStart = [("n", Kind.Int), ("t", Kind.Int)];

    private static readonly Dictionary<string, (string Name, Kind Kind)[]> Fields = new(StringComparer.Ordinal)
    {
        ["run"] = [("index", Kind.Int), ("defence", Kind.Str)],
        ["dispatch"] = [.. EventStart, ("seq", Kind.Int), ("msg", Kind.Int), ("worker", Kind.Worker), ("role", Kind.Role), ("version", Kind.Int), ("computeDone", Kind.Int), ("arrival", Kind.Int)],
        ["compute"] = [.. EventStart, ("seq", Kind.Int), ("msg", Kind.Int), ("worker", Kind.Worker)],
        ["arrive"] = [.. EventStart, ("seq", Kind.Int), ("msg", Kind.Int), ("worker", Kind.Worker), ("role", Kind.Role), ("version", Kind.Int), ("serverVersion", Kind.Int),
            ("staleness", Kind.Int), ("norm", Kind.Num), ("hash", Kind.Str)],
        ["resolve"] = [.. EventStart, ("msg", Kind.Int), ("worker", Kind.Worker), ("role", Kind.Role), ("fate", Kind.Str), ("score", Kind.Num), ("reason", Kind.NullableStr)],
        ["aggregate"] = [.. EventStart, ("round", Kind.Int), ("inputs", Kind.Ints), ("selected", Kind.Ints)],
        ["update"] = [.. EventStart, ("version", Kind.Int), ("hash", Kind.Str)],
        ["eval"] = [.. EventStart, ("step", Kind.Int), ("learningRate", Kind.Num), ("trainLoss", Kind.Num), ("validationLoss", Kind.Num), ("validationAccuracy", Kind.Num),
            ("testLoss", Kind.Num), ("testAccuracy", Kind.Num), ("honestApplied", Kind.Int), ("honestRejected", Kind.Int), ("honestDropped", Kind.Int),
            ("byzantineApplied", Kind.Int), ("byzantineRejected", Kind.Int), ("byzantineDropped", Kind.Int),
            ("stalenessMin", Kind.Num), ("stalenessMean", Kind.Num), ("stalenessMax", Kind.Num)],
        ["crash"] = [.. EventStart, ("worker", Kind.Worker)],
        ["recover"] = [.. EventStart, ("worker", Kind.Worker)],
        ["clients"] = [.. EventStart, ("round", Kind.Int), ("clients", Kind.Int), ("byzantine", Kind.Int)],
        ["end"] = [("records", Kind.Int), ("runs", Kind.Int), ("hash", Kind.Str)],
    };

    /// <summary>Optional fields, checked when present.</summary>
    private static readonly Dictionary<string, (string Name, Kind Kind)[]> OptionalFields = new(StringComparer.Ordinal)
    {
        ["aggregate"] = [("scores", Kind.Nums)],
    };

    /// <summary>Throws unless <paramref name="record"/> of type <paramref name="type"/> has every field with its type.</summary>
    /// <param name="record">The record.</param>
    /// <param name="type">Its type (a known one).</param>
    /// <param name="where">"trace 'PATH' line N", the start of every message.</param>
    /// <param name="workers">The scenario's worker count (worker ids are below it).</param>
    public static void Check(JObject record, string type, string where, int workers)
    {
        if (!Fields.TryGetValue(type, out var fields)) return;
        foreach (var (name, kind) in fields) CheckField(record, type, name, kind, where, workers, required: true);
        if (OptionalFields.TryGetValue(type, out var optional))
        {
            foreach (var (name, kind) in optional) CheckField(record, type, name, kind, where, workers, required: false);
        }
    }

    /// <summary>The header's own fields (the scenario and its hash are checked by the loader).</summary>
    public static void CheckHeader(JObject header, string where)
    {
        foreach (string name in new[] { "simbyz", "seed", "configHash" })
        {
            if (header[name] is not { Type: JTokenType.String }) throw Bad(where, "header", name, "a string", header[name]);
        }
        if (header["payloads"] is not { Type: JTokenType.Boolean }) throw Bad(where, "header", "payloads", "true or false", header["payloads"]);
        if (header["device"] is { } device && device.Type != JTokenType.String) throw Bad(where, "header", "device", "a string", device);
        if (header["defences"] is JArray defences)
        {
            for (int i = 0; i < defences.Count; i++)
            {
                if (defences[i].Type != JTokenType.String) throw Bad(where, "header", $"defences[{i}]", "a string", defences[i]);
            }
        }
    }

    /// <summary>The string field <paramref name="name"/>, or null when absent or not a string.</summary>
    public static string? StringOf(JObject record, string name) => record[name] is { Type: JTokenType.String } t ? (string)t! : null;

    private static void CheckField(JObject record, string type, string name, Kind kind, string where, int workers, bool required)
    {
        var t = record[name];
        if (t is null)
        {
            if (required) throw new SimByzException($"{where}: '{type}' record has no field '{name}'");
            return;
        }
        switch (kind)
        {
            case Kind.Int:
                if (!NonNegative(t)) throw Bad(where, type, name, "an integer in [0, 2^63)", t);
                break;
            case Kind.Worker:
                if (!NonNegative(t) || (long)t >= workers) throw Bad(where, type, name, $"a worker id in [0, {workers.ToString(CultureInfo.InvariantCulture)})", t);
                break;
            case Kind.Num:
                if (!IsNumber(t)) throw Bad(where, type, name, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")", t);
                break;
            case Kind.Str:
                if (t.Type != JTokenType.String) throw Bad(where, type, name, "a string", t);
                break;
            case Kind.NullableStr:
                if (t.Type is not (JTokenType.String or JTokenType.Null)) throw Bad(where, type, name, "a string or null", t);
                break;
            case Kind.Role:
                if (t.Type != JTokenType.String || (string)t! is not ("honest" or "byzantine")) throw Bad(where, type, name, "\"honest\" or \"byzantine\"", t);
                break;
            case Kind.Ints:
                if (t is not JArray ints || ints.Any(i => !NonNegative(i))) throw Bad(where, type, name, "an array of integers in [0, 2^63)", t);
                break;
            case Kind.Nums:
                if (t is not JArray nums || nums.Any(i => !IsNumber(i))) throw Bad(where, type, name, "an array of numbers", t);
                break;
        }
    }

    private static bool NonNegative(JToken t) => JsonFields.TryLong(t, out long v) && v >= 0;

    private static bool IsNumber(JToken t) => t.Type is JTokenType.Integer or JTokenType.Float
        || (t.Type == JTokenType.String && (string)t! is "NaN" or "Infinity" or "-Infinity");

    private static SimByzException Bad(string where, string type, string name, string expected, JToken? got)
        => new($"{where}: '{type}' record field '{name}': expected {expected}, got {JsonFields.Describe(got)}");
}
