using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Scenarios;

/// <summary>Turns a field table (<see cref="ScenarioFields"/>) into a JSON Schema (draft 2020-12) that editors use to
/// complete and check scenario and grid files.</summary>
/// <remarks>Objects forbid unknown properties, as the loaders do. Ranges written as <c>[a, b]</c>, <c>≥ a</c> or
/// <c>(a, b]</c> become minimum/maximum; conditions in words stay in the descriptions. Pure and deterministic.</remarks>
public static partial class FieldSchema
{
    /// <summary>The schema of the fields in <paramref name="fields"/>.</summary>
    public static JObject Build(IReadOnlyList<FieldDoc> fields, string id, string title, string description)
    {
        var root = ObjectSchema();
        root.AddFirst(new JProperty("description", description));
        root.AddFirst(new JProperty("title", title));
        root.AddFirst(new JProperty("$id", id));
        root.AddFirst(new JProperty("$schema", "https://json-schema.org/draft/2020-12/schema"));
        foreach (var field in fields) Place(root, field.Path.Split('.'), field);
        return root;
    }

    private static JObject ObjectSchema() => new(
        new JProperty("type", "object"),
        new JProperty("properties", new JObject()),
        new JProperty("additionalProperties", false));

    private static void Place(JObject schema, string[] keys, FieldDoc field)
    {
        for (int i = 0; i < keys.Length - 1; i++)
        {
            string key = keys[i];
            bool items = key.EndsWith("[]", StringComparison.Ordinal);
            if (items) key = key[..^2];
            var properties = (JObject)schema["properties"]!;
            if (properties[key] is not JObject child)
            {
                child = items ? new JObject(new JProperty("type", "array"), new JProperty("items", ObjectSchema())) : ObjectSchema();
                properties[key] = child;
            }
            schema = items ? (JObject)child["items"]! : child;
        }
        string last = keys[^1];
        var props = (JObject)schema["properties"]!;
        var leaf = Leaf(field);
        if (last.StartsWith('<'))
        {
            // A placeholder name (<scenario path>): any other key of this object, with this schema.
            schema["additionalProperties"] = leaf;
            return;
        }
        if (props[last] is JObject existing && field.Type == "object[]")
        {
            // The array was created by an item field listed first: keep its items, add the description.
            existing["description"] = leaf["description"];
            return;
        }
        props[last] = leaf;
    }

    private static JObject Leaf(FieldDoc f)
    {
        var s = new JObject();
        switch (f.Type)
        {
            case "string": s["type"] = "string"; break;
            case "spec": s["type"] = new JArray("string", "null"); break;
            case "integer": s["type"] = "integer"; Bounds(s, f.Range); break;
            case "number": s["type"] = "number"; Bounds(s, f.Range); break;
            case "duration": s["type"] = new JArray("string", "number"); break;
            case "split": s["type"] = "number"; s["minimum"] = 0; break;
            case "choice": s["enum"] = new JArray(f.Choices ?? []); break;
            case "string[]": s["type"] = "array"; s["items"] = new JObject(new JProperty("type", "string")); break;
            case "integer[]": s["type"] = "array"; s["items"] = new JObject(new JProperty("type", "integer")); break;
            case "value[]": s["type"] = "array"; break;
            case "object[]": s["type"] = "array"; s["items"] = ObjectSchema(); break;
            case "string|object": s["type"] = new JArray("string", "object"); break;
            default: throw new InvalidOperationException($"field {f.Path}: unknown type '{f.Type}'");
        }
        string range = f.Range.Length > 0 ? $" Allowed: {f.Range}." : "";
        s.AddFirst(new JProperty("description", $"{f.Meaning}.{range} Default: {f.Default}."));
        return s;
    }

    private static void Bounds(JObject s, string range)
    {
        var m = Interval().Match(range);
        if (m.Success)
        {
            if (Number(m.Groups[2].Value) is { } lo) s[m.Groups[1].Value == "(" ? "exclusiveMinimum" : "minimum"] = lo;
            if (Number(m.Groups[3].Value) is { } hi) s[m.Groups[4].Value == ")" ? "exclusiveMaximum" : "maximum"] = hi;
            return;
        }
        var ge = AtLeast().Match(range);
        if (ge.Success && Number(ge.Groups[1].Value) is { } min) s["minimum"] = min;
    }

    private static JToken? Number(string text)
    {
        text = text.Replace('−', '-').Trim();
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l)) return l;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        return null;
    }

    [GeneratedRegex(@"^([\[(])\s*([^,\]]+),\s*([^\])]+)([\])])")]
    private static partial Regex Interval();

    [GeneratedRegex(@"^≥\s*([−\-]?[0-9.e]+)")]
    private static partial Regex AtLeast();
}
