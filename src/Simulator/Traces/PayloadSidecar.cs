using System.Buffers.Binary;


namespace SimByz.Simulator.Traces;

/// <summary>
/// Reads the payload sidecar written beside a trace (payloads.bin + payloads.index.jsonl,
/// docs/TRACE_FORMAT.md): float32 little-endian vectors addressed by their <see cref="TraceHash"/>.
/// </summary>
/// <remarks>Every vector read is re-hashed, so a damaged sidecar is detected. The index is read one line at a time and
/// held compactly (the 64-bit hash, offset and length: about 40 bytes per stored vector, a tenth of what the trace
/// spends on a message); the vectors are read from payloads.bin when asked for, so its size does not count.</remarks>
public sealed class PayloadSidecar
{
    private readonly Dictionary<ulong, (long Offset, int Length)> _index;
    private readonly long _dataLength;
    private readonly string _dataPath;

    private PayloadSidecar(Dictionary<ulong, (long, int)> index, long dataLength, string dataPath)
    {
        _index = index;
        _dataLength = dataLength;
        _dataPath = dataPath;
    }

    /// <summary>Number of stored vectors.</summary>
    public int Count => _index.Count;

    /// <summary>Whether a vector with this hash is stored.</summary>
    public bool Contains(string hash) => Key(hash) is { } key && _index.ContainsKey(key);

    /// <summary>A vector hash (16 lowercase hex digits) as the 64-bit number it writes; null when it is not one.</summary>
    private static ulong? Key(string? hash)
    {
        if (hash is not { Length: 16 } || hash.Any(c => c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))) return null;
        return ulong.Parse(hash, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Loads the sidecar in <paramref name="directory"/> (where the trace is).</summary>
    public static PayloadSidecar Load(string directory)
    {
        string indexPath = Path.Combine(directory, TraceContent.PayloadIndexFileName);
        string dataPath = Path.Combine(directory, TraceContent.PayloadFileName);
        if (!File.Exists(indexPath) || !File.Exists(dataPath))
        {
            throw new SimByzException($"payload sidecar not found: '{indexPath}' and '{dataPath}' are needed (record the run with `simbyz run --record-payloads`)");
        }
        long dataLength;
        try
        {
            dataLength = new FileInfo(dataPath).Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimByzException($"payload sidecar '{dataPath}' cannot be read: {ex.Message}", ex);
        }
        var index = new Dictionary<ulong, (long, int)>();
        Stream stream;
        try
        {
            stream = new FileStream(indexPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimByzException($"payload index '{indexPath}' cannot be read: {ex.Message}", ex);
        }
        using (var reader = new TraceLineReader(stream, $"payload index '{indexPath}'"))
        {
            try
            {
                while (reader.ReadLine(out _) is { } line)
                {
                    int lineNo = reader.LineIndex;
                    var rec = TraceDocument.ParseLine(indexPath, line.EndsWith('\r') ? line[..^1] : line, lineNo);
                    ulong? hash = Key(TraceSchema.StringOf(rec, "hash"));
                    long offset = rec["offset"] is { } o && Scenarios.JsonFields.TryLong(o, out long ov) ? ov : -1;
                    long length = rec["length"] is { } l && Scenarios.JsonFields.TryLong(l, out long lv) ? lv : -1;
                    // Compared by division: offset + 4·length can overflow for edited values.
                    if (hash is null || offset < 0 || length < 0 || offset > dataLength || length > (dataLength - offset) / 4 || length > Array.MaxLength / 4 || offset % 4 != 0)
                    {
                        throw new SimByzException($"payload index '{indexPath}' line {lineNo}: bad entry (hash, offset, length outside payloads.bin of {dataLength} bytes)");
                    }
                    index[hash.Value] = (offset, (int)length);
                }
            }
            catch (IOException ex)
            {
                throw new SimByzException($"payload index '{indexPath}' cannot be read: {ex.Message}", ex);
            }
        }
        return new PayloadSidecar(index, dataLength, dataPath);
    }

    /// <summary>The vector stored under <paramref name="hash"/>; throws if absent or damaged.</summary>
    public float[] Get(string hash, string where)
    {
        if (Key(hash) is not { } key || !_index.TryGetValue(key, out var entry)) throw new SimByzException($"{where}: payload {hash} is not in the sidecar '{_dataPath}'");
        var bytes = new byte[4 * entry.Length];
        try
        {
            using var handle = File.OpenHandle(_dataPath);
            if (RandomAccess.GetLength(handle) != _dataLength) throw new IOException("it changed since its index was read");
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), entry.Offset + read);
                if (n == 0) throw new IOException("it ends early");
                read += n;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimByzException($"{where}: payload sidecar '{_dataPath}' cannot be read: {ex.Message}", ex);
        }
        var v = new float[entry.Length];
        for (int i = 0; i < v.Length; i++) v[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i, 4));
        if (TraceHash.Of(v) != hash) throw new SimByzException($"{where}: payload {hash} in '{_dataPath}' is damaged (its content hash differs)");
        return v;
    }
}
