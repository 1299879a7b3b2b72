using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Traces;

/// <summary>
/// A whole trace in memory: the header, every defence's section in defence order, and the end
/// record with counts and the whole-trace hash (docs/TRACE_FORMAT.md); optionally the payload sidecar.
/// </summary>
public sealed class TraceContent
{
    /// <summary>The format name written in the header.</summary>
    public const string FormatName = "simbyz-trace";

    /// <summary>The format version this build writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The trace file name <c>simbyz run</c> writes.</summary>
    public const string FileName = "trace.jsonl";

    /// <summary>Payload sidecar data file (float32 little-endian vectors, each stored once).</summary>
    public const string PayloadFileName = "payloads.bin";

    /// <summary>Payload sidecar index (one JSON line per stored vector: hash, offset, length).</summary>
    public const string PayloadIndexFileName = "payloads.index.jsonl";

    /// <summary>Record types in the order the end record counts them.</summary>
    public static readonly IReadOnlyList<string> EventTypes = ["dispatch", "compute", "arrive", "resolve", "aggregate", "update", "eval", "crash", "recover", "clients"];

    private readonly IReadOnlyList<PayloadStore>? _payloads;

    private TraceContent(IReadOnlyList<string> lines, IReadOnlyList<PayloadStore>? payloads)
    {
        Lines = lines;
        _payloads = payloads;
    }

    /// <summary>Every line of the trace (without line ends), end record included.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The canonical text of a scenario: its resolved JSON, compact, fields in fixed order.</summary>
    public static string CanonicalScenario(Scenario scenario) => scenario.ToJson().ToString(Formatting.None);

    /// <summary>The header line for <paramref name="scenario"/>.</summary>
    /// <remarks><paramref name="device"/>: the torch device description when the run used TorchSharp models
    /// (written as <c>"device"</c>; absent for managed runs).</remarks>
    /// <remarks><paramref name="plugins"/>: the plug-ins loaded (written as <c>"plugins"</c>; absent when none).</remarks>
    public static string Header(Scenario scenario, string simbyzVersion, bool payloads, string? device = null, IReadOnlyList<Composition.PluginInfo>? plugins = null)
    {
        string canonical = CanonicalScenario(scenario);
        var line = new TraceLine("header").Str("format", FormatName).Int("version", FormatVersion).Str("simbyz", simbyzVersion)
            .Str("seed", scenario.Seed.ToString(CultureInfo.InvariantCulture)).Str("configHash", TraceHash.OfText(canonical))
            .Bool("payloads", payloads);
        if (device is not null) line.Str("device", device);
        if (plugins is { Count: > 0 }) line.Raw("plugins", new Newtonsoft.Json.Linq.JArray(plugins.Select(p => p.ToJson(includePath: false))).ToString(Formatting.None));
        var sb = new StringBuilder("[");
        for (int i = 0; i < scenario.Defences.Count; i++)
        {
            if (i > 0) sb.Append(',');
            TraceLine.AppendString(sb, scenario.Defences[i]);
        }
        line.Raw("defences", sb.Append(']').ToString());
        return line.Raw("scenario", canonical).ToString();
    }

    /// <summary>Assembles the trace from the recorders of every defence, in defence order.</summary>
    public static TraceContent Build(Scenario scenario, string simbyzVersion, IReadOnlyList<TraceRecorder> sections, IReadOnlyList<PayloadStore>? payloads = null, string? device = null,
        IReadOnlyList<Composition.PluginInfo>? plugins = null)
    {
        var lines = new List<string>(1 + sections.Sum(s => s.Lines.Count) + 1) { Header(scenario, simbyzVersion, payloads is not null, device, plugins) };
        foreach (var s in sections) lines.AddRange(s.Lines);
        lines.Add(EndRecord(lines, sections.Count));
        return new TraceContent(lines, payloads);
    }

    /// <summary>The end record closing <paramref name="lines"/>: record counts and the SHA-256 of their bytes (each line + "\n").</summary>
    internal static string EndRecord(IReadOnlyList<string> lines, int runs)
    {
        using var tally = new TraceTally();
        foreach (string l in lines) tally.Add(l);
        return tally.EndRecord(runs);
    }

    /// <summary>SHA-256 (hex) of the UTF-8 bytes of the first <paramref name="count"/> lines, each followed by "\n".</summary>
    internal static string HashLines(IReadOnlyList<string> lines, int count)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var newline = "\n"u8;
        byte[] buffer = new byte[1024];
        for (int i = 0; i < count; i++)
        {
            int max = Encoding.UTF8.GetMaxByteCount(lines[i].Length);
            if (buffer.Length < max) buffer = new byte[Math.Max(max, buffer.Length * 2)];
            int n = Encoding.UTF8.GetBytes(lines[i], buffer);
            hash.AppendData(buffer, 0, n);
            hash.AppendData(newline);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The trace text: every line followed by "\n".</summary>
    public string Text()
    {
        var sb = new StringBuilder();
        foreach (string l in Lines) sb.Append(l).Append('\n');
        return sb.ToString();
    }

    /// <summary>Writes trace.jsonl (and the payload sidecar when recorded) into <paramref name="output"/> (committed by the caller).</summary>
    public void WriteTo(AtomicOutput output)
    {
        using (var w = output.CreateText(FileName))
        {
            foreach (string l in Lines)
            {
                w.Write(l);
                w.Write('\n');
            }
        }
        if (_payloads is not null) WritePayloads(output, _payloads);
    }

    /// <summary>
    /// Writes trace.jsonl into <paramref name="output"/> from its parts: <paramref name="header"/>, then each defence's
    /// section as a <see cref="TraceRecorder"/> streamed it to the working file <paramref name="sectionFiles"/>[i] (deleted
    /// once copied), then the end record; and the payload sidecar when <paramref name="payloads"/> is given. The bytes are
    /// those <see cref="Build"/> and <see cref="WriteTo"/> give for the same run; memory does not depend on the trace's length.
    /// </summary>
    /// <remarks>Stores built over a spill stream (flushed and closed by the caller) are read back from
    /// <paramref name="payloadSpillFiles"/>[i], working files deleted once copied.</remarks>
    public static void WriteStreamed(AtomicOutput output, string header, IReadOnlyList<string> sectionFiles, IReadOnlyList<PayloadStore>? payloads = null,
        IReadOnlyList<string>? payloadSpillFiles = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(sectionFiles);
        using (var tally = new TraceTally())
        using (var w = output.CreateText(FileName))
        {
            void Line(string l)
            {
                tally.Add(l);
                w.Write(l);
                w.Write('\n');
            }
            Line(header);
            foreach (string section in sectionFiles)
            {
                using (var r = output.OpenText(section))
                {
                    while (r.ReadLine() is { } l) Line(l);
                }
                output.Delete(section);
            }
            string end = tally.EndRecord(sectionFiles.Count);
            w.Write(end);
            w.Write('\n');
        }
        if (payloads is not null) WritePayloads(output, payloads, payloadSpillFiles);
    }

    /// <summary>Writes the payload sidecar: every distinct vector once, in defence order then first-seen order. A store that
    /// spilled its vectors is read back from <paramref name="spillFiles"/>[i] (working files of <paramref name="output"/>,
    /// deleted once copied).</summary>
    private static void WritePayloads(AtomicOutput output, IReadOnlyList<PayloadStore> payloads, IReadOnlyList<string>? spillFiles = null)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var data = output.Create(PayloadFileName);
        using var index = output.CreateText(PayloadIndexFileName);
        long offset = 0;
        byte[] bytes = [];
        for (int s = 0; s < payloads.Count; s++)
        {
            var store = payloads[s];
            using var spill = store.Spilled ? output.OpenRead(spillFiles![s]) : null;
            for (int k = 0; k < store.Hashes.Count; k++)
            {
                string hash = store.Hashes[k];
                int length = store.Lengths[k];
                if (bytes.Length < 4 * length) bytes = new byte[4 * length];
                if (spill is not null)
                {
                    spill.ReadExactly(bytes, 0, 4 * length);
                }
                else
                {
                    float[] v = store.Get(hash);
                    for (int i = 0; i < v.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), v[i]);
                }
                if (!seen.Add(hash)) continue;
                data.Write(bytes, 0, 4 * length);
                index.Write(new TraceLine("payload").Str("hash", hash).Int("offset", offset).Int("length", length).ToString());
                index.Write('\n');
                offset += 4L * length;
            }
            if (spill is not null)
            {
                spill.Dispose();
                output.Delete(spillFiles![s]);
            }
        }
    }
}
