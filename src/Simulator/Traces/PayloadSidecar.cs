using System.Buffers.Binary;


namespace SimByz.Simulator.Traces;

/// <summary>
/// Reads the payload sidecar written beside a trace (payloads.bin + payloads.index.jsonl,
/// docs/TRACE_FORMAT.md): float32 little-endian vectors addressed by their <see cref="TraceHash"/>.
/// </summary>
/// <remarks>Every vector read is re-hashed, so a damaged sidecar is detected.</remarks>
public sealed class PayloadSidecar
{
    private readonly Dictionary<string, (long Offset, int Length)> _index;
    private readonly byte[] _data;
    private readonly string _dataPath;

    private PayloadSidecar(Dictionary<string, (long, int)> index, byte[] data, string dataPath)
    {
        _index = index;
        _data = data;
        _dataPath = dataPath;
    }

    /// <summary>Number of stored vectors.</summary>
    public int Count => _index.Count;

    /// <summary>Whether a vector with this hash is stored.</summary>
    public bool Contains(string hash) => _index.ContainsKey(hash);

    /// <summary>Loads the sidecar in <paramref name="directory"/> (where the trace is).</summary>
    public static PayloadSidecar Load(string directory)
    {
        string indexPath = Path.Combine(directory, TraceContent.PayloadIndexFileName);
        string dataPath = Path.Combine(directory, TraceContent.PayloadFileName);
        if (!File.Exists(indexPath) || !File.Exists(dataPath))
        {
            throw new SimByzException($"payload sidecar not found: '{indexPath}' and '{dataPath}' are needed (record the run with `simbyz run --record-payloads`)");
        }
        byte[] data = StrictText.ReadBytes(dataPath, "payload sidecar", Array.MaxLength);
        var index = new Dictionary<string, (long, int)>(StringComparer.Ordinal);
        string[] lines = StrictText.Lines(StrictText.ReadFile(indexPath, "payload index", Array.MaxLength));
        for (int i = 0; i < lines.Length; i++)
        {
            var rec = TraceDocument.ParseLine(indexPath, lines[i], i + 1);
            string? hash = TraceSchema.StringOf(rec, "hash");
            long offset = rec["offset"] is { } o && Scenarios.JsonFields.TryLong(o, out long ov) ? ov : -1;
            long length = rec["length"] is { } l && Scenarios.JsonFields.TryLong(l, out long lv) ? lv : -1;
            // Compared by division: offset + 4·length can overflow for edited values.
            if (hash is null || offset < 0 || length < 0 || offset > data.Length || length > (data.Length - offset) / 4 || offset % 4 != 0)
            {
                throw new SimByzException($"payload index '{indexPath}' line {i + 1}: bad entry (hash, offset, length outside payloads.bin of {data.Length} bytes)");
            }
            index[hash] = (offset, (int)length);
        }
        return new PayloadSidecar(index, data, dataPath);
    }

    /// <summary>The vector stored under <paramref name="hash"/>; throws if absent or damaged.</summary>
    public float[] Get(string hash, string where)
    {
        if (!_index.TryGetValue(hash, out var entry)) throw new SimByzException($"{where}: payload {hash} is not in the sidecar '{_dataPath}'");
        var v = new float[entry.Length];
        for (int i = 0; i < v.Length; i++) v[i] = BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan((int)entry.Offset + 4 * i, 4));
        if (TraceHash.Of(v) != hash) throw new SimByzException($"{where}: payload {hash} in '{_dataPath}' is damaged (its content hash differs)");
        return v;
    }
}
