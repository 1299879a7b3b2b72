using Newtonsoft.Json.Linq;
using SimByz.Specs;

namespace SimByz.Simulator.Composition;

/// <summary>
/// A loaded plug-in as results record it (trace header, summary.json): its identity and the
/// components it added, as <c>kind name</c> (e.g. <c>rule trimmed-median</c>).
/// </summary>
/// <param name="Origin">Assembly name, version, SHA-256 of the file and the path it was loaded from.</param>
/// <param name="Components">The components it added, in registration order.</param>
public sealed record PluginInfo(ComponentOrigin Origin, IReadOnlyList<string> Components)
{
    /// <summary>The record's JSON: <c>{"assembly", "version", "sha256", ["path",] "components"}</c>. Traces leave the
    /// path out (a replay may load the same build from elsewhere); summaries keep it.</summary>
    public JObject ToJson(bool includePath = true)
    {
        var json = new JObject(
            new JProperty("assembly", Origin.Assembly),
            new JProperty("version", Origin.Version),
            new JProperty("sha256", Origin.Sha256));
        if (includePath) json.Add(new JProperty("path", Origin.Path));
        json.Add(new JProperty("components", new JArray(Components)));
        return json;
    }

    /// <summary>Reads a record written by <see cref="ToJson"/>.</summary>
    /// <exception cref="SimByzException">A field is missing or has the wrong type.</exception>
    public static PluginInfo FromJson(JToken token, string where)
    {
        if (token is not JObject o) throw new SimByzException($"{where}: expected an object");
        string Field(string key) => o[key] is JValue { Type: JTokenType.String } v ? (string)v! : throw new SimByzException($"{where}: '{key}' is missing or not a string");
        var components = o["components"] is JArray a && a.All(t => t.Type == JTokenType.String)
            ? a.Select(t => (string)t!).ToList()
            : throw new SimByzException($"{where}: 'components' is missing or not an array of strings");
        string path = o["path"] is null ? "" : Field("path");
        return new PluginInfo(new ComponentOrigin(Field("assembly"), Field("version"), Field("sha256"), path), components);
    }

    /// <summary>
    /// Throws unless every plug-in in <paramref name="recorded"/> is loaded in <paramref name="loaded"/> in the
    /// same build (same SHA-256): replaying or comparing with another build of a plug-in is refused.
    /// </summary>
    public static void RequireSameBuilds(IReadOnlyList<PluginInfo> recorded, IReadOnlyList<PluginInfo> loaded, string what)
    {
        foreach (var r in recorded)
        {
            if (loaded.Any(l => l.Origin.Sha256 == r.Origin.Sha256)) continue;
            var other = loaded.FirstOrDefault(l => l.Origin.Assembly == r.Origin.Assembly);
            string found = other is null
                ? "it is not loaded (give it with --plugin PATH)"
                : $"the loaded {other.Origin.Assembly} {other.Origin.Version} from {other.Origin.Path} has SHA-256 {other.Origin.Sha256[..12]}…";
            throw new SimByzException($"{what} was made with plug-in {r.Origin.Assembly} {r.Origin.Version} (SHA-256 {r.Origin.Sha256[..Math.Min(12, r.Origin.Sha256.Length)]}…, {string.Join(", ", r.Components)}), but {found}: use the same build of the plug-in");
        }
    }
}
