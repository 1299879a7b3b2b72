using System.Security.Cryptography;
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
/// <remarks>
/// <para>Every problem throws <see cref="SimByzException"/> naming the file, the line (1-based) and
/// what is wrong — except a whole-trace hash mismatch, which only an edit of some line can cause and
/// which is reported by <see cref="HashMatches"/> so a caller may locate the edited line by a re-run.</para>
/// <para>Streamed: checking reads the file one line at a time and keeps the header, the scenario and one
/// entry per defence section; the records are read again from the file when asked for
/// (<see cref="ReadLines(int, int)"/>, <see cref="Records"/>), so memory does not depend on the trace's size
/// (a line is at most <see cref="TraceLineReader.MaxLineBytes"/>). A file changed after it was checked is
/// reported when it is read again.</para>
/// </remarks>
public sealed class TraceDocument
{
    private readonly Func<Stream> _open;
    private readonly long[] _sectionOffsets;

    private TraceDocument(string source, Func<Stream> open, int lineCount, JObject header, Scenario scenario, IReadOnlyList<TraceSection> sections,
        long[] sectionOffsets, bool hashMatches)
    {
        Source = source;
        _open = open;
        _sectionOffsets = sectionOffsets;
        LineCount = lineCount;
        Header = header;
        Scenario = scenario;
        Sections = sections;
        HashMatches = hashMatches;
    }

    /// <summary>Where the trace came from (its path).</summary>
    public string Source { get; }

    /// <summary>The number of lines (header and end record included).</summary>
    public int LineCount { get; }

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

    /// <summary>Every line (without line ends), read from the file one at a time.</summary>
    public IEnumerable<string> ReadLines() => ReadLines(0, LineCount - 1);

    /// <summary>The lines of 0-based indices <paramref name="first"/> to <paramref name="last"/> (inclusive), read from
    /// the file one at a time (from the nearest section start before <paramref name="first"/>).</summary>
    public IEnumerable<string> ReadLines(int first, int last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(last, LineCount);
        if (last < first) yield break;
        long offset = 0;
        int line = 0;
        for (int k = 0; k < Sections.Count; k++)
        {
            if (Sections[k].RunLine > first) break;
            offset = _sectionOffsets[k];
            line = Sections[k].RunLine;
        }
        using var reader = new TraceLineReader(Open(), $"trace '{Source}'", offset, line);
        while (reader.LineIndex <= last)
        {
            int index = reader.LineIndex;
            string text = reader.ReadLine(out _) ?? throw Changed();
            if (index >= first) yield return text;
        }
    }

    /// <summary>The records of 0-based line indices <paramref name="first"/> to <paramref name="last"/>, parsed one at a
    /// time with their index (not kept: a large trace would not fit in memory as objects).</summary>
    public IEnumerable<(int Index, JObject Record)> Records(int first, int last)
    {
        int i = first;
        foreach (string line in ReadLines(first, last))
        {
            yield return (i, ParseLine(Source, line, i + 1));
            i++;
        }
    }

    private Stream Open()
    {
        try
        {
            return _open();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimByzException($"trace '{Source}' cannot be read again: {ex.Message}", ex);
        }
    }

    private SimByzException Changed() => new($"trace '{Source}' changed while it was being read (it was checked, then read again)");

    /// <summary>Reads and checks <paramref name="path"/>, one line at a time.</summary>
    public static TraceDocument Load(string path)
    {
        StrictText.RequirePath(path, "trace");
        if (Directory.Exists(path)) throw new SimByzException($"trace '{path}' is a folder, not a file");
        if (!File.Exists(path)) throw new SimByzException($"trace '{path}': file not found");
        FileStream First()
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new SimByzException($"trace '{path}' cannot be read: {ex.Message}", ex);
            }
        }
        var stream = First();
        long length = stream.CanSeek ? stream.Length : -1;
        var written = File.GetLastWriteTimeUtc(path);
        Stream Again()
        {
            var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (length >= 0 && (s.Length != length || File.GetLastWriteTimeUtc(path) != written))
            {
                s.Dispose();
                throw new IOException("it changed since it was checked");
            }
            return s;
        }
        try
        {
            return Check(stream, path, Again);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimByzException($"trace '{path}' cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Checks the trace text <paramref name="text"/> (from <paramref name="source"/>).</summary>
    public static TraceDocument Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return Check(new MemoryStream(bytes, writable: false), source, () => new MemoryStream(bytes, writable: false));
    }

    private static TraceDocument Check(Stream stream, string source, Func<Stream> open)
    {
        string Where(int line) => $"trace '{source}' line {line}";
        using var reader = new TraceLineReader(stream, $"trace '{source}'");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string? first = reader.ReadLine(out bool endsWithNewline);
        if (first is null) throw new SimByzException($"trace '{source}' line 1: empty file, expected a header record");
        hash.AppendData(reader.LineBytes);
        hash.AppendData("\n"u8);

        var header = ParseLine(source, first, 1);
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
        var sectionOffsets = new List<long>();
        int runIndex = -1, runLine = 0, firstLine = 0;
        long expectedN = 0, lastT = 0;
        int endLine = -1;
        string? endText = null;
        int lineCount = 1;
        while (true)
        {
            long offset = reader.Offset;
            string? line = reader.ReadLine(out bool terminated);
            if (line is null) break;
            int i = lineCount++;
            endsWithNewline = terminated;
            int lineNo = i + 1;
            JObject rec;
            try
            {
                rec = ParseLine(source, line, lineNo);
            }
            catch (SimByzException) when (!terminated)
            {
                throw new SimByzException($"{Where(lineNo)}: the trace is truncated: the last line is incomplete and there is no end record");
            }
            string? type = TraceSchema.StringOf(rec, "type");
            if (endLine >= 0) throw new SimByzException($"{Where(lineNo)}: record after the end record (line {endLine})");
            if (type is not null) TraceSchema.Check(rec, type, Where(lineNo), scenario.Federation?.Clients ?? scenario.Workers.Count);
            if (type != "end")
            {
                hash.AppendData(reader.LineBytes);
                hash.AppendData("\n"u8);
            }
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
                    sectionOffsets.Add(offset);
                    expectedN = 0;
                    lastT = 0;
                    break;
                case "end":
                    if (runIndex >= 0) sections.Add(new TraceSection(runIndex, scenario.Defences[runIndex], runLine, firstLine, i - 1));
                    endLine = lineNo;
                    endText = line;
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
            throw new SimByzException($"{Where(lineCount)}: the trace is truncated: it ends without the end record" +
                (endsWithNewline ? "" : " (the last line is incomplete)"));
        }
        if (!endsWithNewline) throw new SimByzException($"{Where(lineCount)}: the end record has no line end (truncated?)");
        if (sections.Count != scenario.Defences.Count)
        {
            throw new SimByzException($"{Where(endLine)}: the trace has {sections.Count} run section(s), the scenario {scenario.Defences.Count} defence(s)");
        }
        var end = ParseLine(source, endText!, endLine);
        if (end.Value<long>("records") != endLine - 1)
        {
            throw new SimByzException($"{Where(endLine)}: the end record counts {end["records"]} records, the trace has {endLine - 1}");
        }
        bool matches = TraceSchema.StringOf(end, "hash") == Convert.ToHexStringLower(hash.GetHashAndReset());
        return new TraceDocument(source, open, lineCount, header, scenario, sections, sectionOffsets.ToArray(), matches);
    }

    /// <summary>Throws unless the whole-trace hash matches (for callers that cannot locate an edit by re-running).</summary>
    public void RequireHash()
    {
        if (!HashMatches)
        {
            throw new SimByzException($"trace '{Source}' line {LineCount}: the whole-trace hash does not match: some line was edited " +
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
