using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Traces;

/// <summary>
/// A trace file read and checked (docs/TRACE_FORMAT.md, Validation): the header (format, version,
/// config hash), every line a JSON object with a known type, sections in defence order with
/// consecutive record numbers and non-decreasing times, and the end record's counts and hash.
/// </summary>
/// <remarks>Every problem throws <see cref="SimByzException"/> naming the file, the line (1-based) and
/// what is wrong — except a whole-trace hash mismatch, which only an edit of some line can cause and
/// which is reported by <see cref="HashMatches"/> so a caller may locate the edited line by a re-run.</remarks>
public sealed class TraceDocument
{
    private TraceDocument(string source, string[] lines, JObject header, Scenario scenario, IReadOnlyList<TraceSection> sections, bool hashMatches)
    {
        Source = source;
        Lines = lines;
        Header = header;
        Scenario = scenario;
        Sections = sections;
        HashMatches = hashMatches;
    }

    /// <summary>Where the trace came from (its path).</summary>
    public string Source { get; }

    /// <summary>Every line, without line ends (index 0 is line 1, the header).</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The header record.</summary>
    public JObject Header { get; }

    /// <summary>The scenario the header records, parsed.</summary>
    public Scenario Scenario { get; }

    /// <summary>The defence sections, in defence order.</summary>
    public IReadOnlyList<TraceSection> Sections { get; }

    /// <summary>Whether the end record's whole-trace hash matches the preceding lines.</summary>
    public bool HashMatches { get; }

    /// <summary>The plug-ins the run loaded (header <c>"plugins"</c>; empty when none).</summary>
    public IReadOnlyList<Composition.PluginInfo> Plugins => Header["plugins"] is JArray a
        ? a.Select((t, i) => Composition.PluginInfo.FromJson(t, $"trace '{Source}' line 1: plugins[{i}]")).ToList()
        : [];

    /// <summary>Whether the trace was recorded with the payload sidecar.</summary>
    public bool HasPayloads => Header.Value<bool?>("payloads") == true;

    /// <summary>The record on 0-based line index <paramref name="index"/>, parsed (not cached: a large trace
    /// would not fit in memory as objects).</summary>
    public JObject Record(int index) => ParseLine(Source, Lines[index], index + 1);

    /// <summary>The largest trace file read (1 GiB): its text must fit in one .NET string.</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    public static TraceDocument Load(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new SimByzException($"trace '{path}': file not found");
        // The whole text is held in memory (one string), so a trace is limited to what a string can hold.
        byte[] bytes = StrictText.ReadBytes(path, "trace", MaxBytes);
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SimByzException($"trace '{path}': not UTF-8 text (is it a trace.jsonl file?)");
        }
        return Parse(text, path);
    }

    /// <summary>Checks the trace text <paramref name="text"/> (from <paramref name="source"/>).</summary>
    public static TraceDocument Parse(string text, string source)
    {
        if (text.Length == 0) throw new SimByzException($"trace '{source}' line 1: empty file, expected a header record");
        string[] lines = text.Split('\n');
        bool endsWithNewline = lines[^1].Length == 0;
        if (endsWithNewline) lines = lines[..^1];
        string Where(int line) => $"trace '{source}' line {line}";

        var header = ParseLine(source, lines[0], 1);
        if (TraceSchema.StringOf(header, "type") != "header") throw new SimByzException($"{Where(1)}: expected the header record, found type '{TraceSchema.StringOf(header, "type")}'");
        if (TraceSchema.StringOf(header, "format") != TraceContent.FormatName) throw new SimByzException($"{Where(1)}: format '{TraceSchema.StringOf(header, "format") ?? header["format"]?.ToString(Formatting.None)}' is not a SimByz trace (expected '{TraceContent.FormatName}')");
        var versionToken = header["version"];
        if (versionToken is null || !JsonFields.TryLong(versionToken, out long version) || version != TraceContent.FormatVersion)
        {
            throw new SimByzException($"{Where(1)}: trace format version {versionToken?.ToString(Formatting.None) ?? "(missing)"} is not supported (this SimByz reads version {TraceContent.FormatVersion})");
        }
        TraceSchema.CheckHeader(header, Where(1));
        if (header["scenario"] is not JObject scenarioJson) throw new SimByzException($"{Where(1)}: the header has no scenario object");
        string canonical = scenarioJson.ToString(Formatting.None);
        if (TraceHash.OfText(canonical) != header.Value<string>("configHash"))
        {
            throw new SimByzException($"{Where(1)}: the header was edited: configHash does not match the recorded scenario");
        }
        Scenario scenario;
        try
        {
            scenario = ScenarioLoader.Parse((JObject)scenarioJson.DeepClone(), $"{source} line 1 (scenario)");
        }
        catch (SimByzException ex)
        {
            throw new SimByzException($"{Where(1)}: the recorded scenario is not valid: {ex.Message}");
        }
        if (TraceContent.CanonicalScenario(scenario) != canonical)
        {
            throw new SimByzException($"{Where(1)}: the recorded scenario does not round-trip (written by an incompatible SimByz?)");
        }
        if (header["plugins"] is { } pluginsJson)
        {
            if (pluginsJson is not JArray pluginArray) throw new SimByzException($"{Where(1)}: 'plugins' is not an array");
            for (int i = 0; i < pluginArray.Count; i++) Composition.PluginInfo.FromJson(pluginArray[i], $"{Where(1)}: plugins[{i}]");
        }
        if (header["defences"] is not JArray defencesJson || defencesJson.Count != scenario.Defences.Count)
        {
            throw new SimByzException($"{Where(1)}: the header's defences do not match the scenario's");
        }

        var sections = new List<TraceSection>();
        int runIndex = -1, runLine = 0, firstLine = 0;
        long expectedN = 0, lastT = 0;
        int endLine = -1;
        for (int i = 1; i < lines.Length; i++)
        {
            int lineNo = i + 1;
            JObject rec;
            try
            {
                rec = ParseLine(source, lines[i], lineNo);
            }
            catch (SimByzException) when (i == lines.Length - 1 && !endsWithNewline)
            {
                throw new SimByzException($"{Where(lineNo)}: the trace is truncated: the last line is incomplete and there is no end record");
            }
            string? type = TraceSchema.StringOf(rec, "type");
            if (endLine >= 0) throw new SimByzException($"{Where(lineNo)}: record after the end record (line {endLine})");
            if (type is not null) TraceSchema.Check(rec, type, Where(lineNo), scenario.Federation?.Clients ?? scenario.Workers.Count);
            switch (type)
            {
                case "run":
                    if (runIndex >= 0) sections.Add(new TraceSection(runIndex, scenario.Defences[runIndex], runLine, firstLine, i - 1));
                    long index = rec.Value<long>("index");
                    if (index != runIndex + 1 || index >= scenario.Defences.Count)
                    {
                        throw new SimByzException($"{Where(lineNo)}: run record with index {index}, expected {runIndex + 1} (sections out of order or missing)");
                    }
                    runIndex = (int)index;
                    if (TraceSchema.StringOf(rec, "defence") != scenario.Defences[runIndex])
                    {
                        throw new SimByzException($"{Where(lineNo)}: run {runIndex} names defence '{TraceSchema.StringOf(rec, "defence")}', the scenario has '{scenario.Defences[runIndex]}'");
                    }
                    runLine = i;
                    firstLine = i + 1;
                    expectedN = 0;
                    lastT = 0;
                    break;
                case "end":
                    if (runIndex >= 0) sections.Add(new TraceSection(runIndex, scenario.Defences[runIndex], runLine, firstLine, i - 1));
                    endLine = lineNo;
                    break;
                default:
                    if (type is null || !TraceContent.EventTypes.Contains(type)) throw new SimByzException($"{Where(lineNo)}: unknown record type '{type}'");
                    if (runIndex < 0) throw new SimByzException($"{Where(lineNo)}: '{type}' record before the first run record");
                    long n = rec.Value<long>("n");
                    if (n != expectedN) throw new SimByzException($"{Where(lineNo)}: record number n = {n}, expected {expectedN} (records reordered, removed or inserted)");
                    long t = rec.Value<long>("t");
                    if (t < lastT) throw new SimByzException($"{Where(lineNo)}: time t = {t} ns goes back before {lastT} ns (records reordered)");
                    expectedN++;
                    lastT = t;
                    break;
            }
        }
        if (endLine < 0)
        {
            throw new SimByzException($"{Where(lines.Length)}: the trace is truncated: it ends without the end record" +
                (endsWithNewline ? "" : " (the last line is incomplete)"));
        }
        if (!endsWithNewline) throw new SimByzException($"{Where(lines.Length)}: the end record has no line end (truncated?)");
        if (sections.Count != scenario.Defences.Count)
        {
            throw new SimByzException($"{Where(endLine)}: the trace has {sections.Count} run section(s), the scenario {scenario.Defences.Count} defence(s)");
        }
        var end = ParseLine(source, lines[endLine - 1], endLine);
        if (end.Value<long>("records") != endLine - 1)
        {
            throw new SimByzException($"{Where(endLine)}: the end record counts {end["records"]} records, the trace has {endLine - 1}");
        }
        var doc = new TraceDocument(source, lines, header, scenario, sections, TraceSchema.StringOf(end, "hash") == TraceContent.HashLines(lines, endLine - 1));
        return doc;
    }

    /// <summary>Throws unless the whole-trace hash matches (for callers that cannot locate an edit by re-running).</summary>
    public void RequireHash()
    {
        if (!HashMatches)
        {
            throw new SimByzException($"trace '{Source}' line {Lines.Count}: the whole-trace hash does not match: some line was edited " +
                "(`simbyz replay` locates the edited line)");
        }
    }

    internal static JObject ParseLine(string source, string line, int lineNo)
    {
        JToken token;
        try
        {
            token = StrictJson.Parse(line, "record");
        }
        catch (SimByzException ex)
        {
            throw new SimByzException($"trace '{source}' line {lineNo}: not valid JSON ({ex.Message})", ex);
        }
        if (token is not JObject obj || obj["type"] is not { Type: JTokenType.String })
        {
            throw new SimByzException($"trace '{source}' line {lineNo}: not a trace record (a JSON object with a \"type\" field)");
        }
        return obj;
    }
}
