using System.Buffers.Binary;


namespace SimByz.Simulator.Traces;

/// <summary>
/// Reads the payload sidecar written beside a trace (payloads.bin + payloads.index.jsonl,
/// docs/TRACE_FORMAT.md): float32 little-endian vectors addressed by their <see cref="TraceHash"/>.
/// </summary>
/// <remarks>
/// <para>Every vector read is re-hashed, so a damaged sidecar is detected. <see cref="Load(string)"/> checks every index line
/// (one at a time) and keeps nothing of them; the vectors are read from payloads.bin when asked for.</para>
/// <para><b>Memory independent of the trace's size.</b> The sidecar stores each distinct vector once, in the order the run
/// first sent it, which is the order a replay of the trace asks for them. So the index is read forwards in step with
/// the requests, and only the last <see cref="Window"/> entries read are remembered (hash, offset, length: about 40 bytes
/// each, 2.6 MB at most). A vector asked for again after it left the window (a message repeated long after, or a later
/// defence's section reusing a vector the first one stored) is found by reading the index again from its start: slower,
/// never more memory.</para>
/// <para>Not thread-safe; dispose it to close the index.</para>
/// </remarks>
public sealed class PayloadSidecar : IDisposable
{
    /// <summary>Index entries remembered at most.</summary>
    public const int Window = 1 << 16;

    private readonly Dictionary<ulong, (long Offset, int Length)> _window = [];
    private readonly Queue<ulong> _age = new();
    private readonly long _dataLength;
    private readonly string _dataPath;
    private readonly string _indexPath;
    private TraceLineReader? _forward;
    private bool _forwardDone;

    private readonly int _capacity;

    private PayloadSidecar(string indexPath, string dataPath, long dataLength, int count, int capacity)
    {
        _capacity = capacity;
        _indexPath = indexPath;
        _dataPath = dataPath;
        _dataLength = dataLength;
        Count = count;
    }

    /// <summary>Number of stored vectors (index entries).</summary>
    public int Count { get; }

    /// <summary>Whether a vector with this hash is stored.</summary>
    public bool Contains(string hash) => Key(hash) is { } key && Find(key) is not null;

    /// <summary>A vector hash (16 lowercase hex digits) as the 64-bit number it writes; null when it is not one.</summary>
    private static ulong? Key(string? hash)
    {
        if (hash is not { Length: 16 } || hash.Any(c => c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))) return null;
        return ulong.Parse(hash, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Loads the sidecar in <paramref name="directory"/> (where the trace is), checking every index entry.</summary>
    public static PayloadSidecar Load(string directory) => Load(directory, Window);

    /// <summary>As <see cref="Load(string)"/>, remembering at most <paramref name="window"/> index entries (tests use a small one).</summary>
    internal static PayloadSidecar Load(string directory, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
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
        int count = 0;
        using (var reader = OpenIndex(indexPath))
        {
            while (ReadEntry(reader, indexPath, dataLength) is not null) count++;
        }
        return new PayloadSidecar(indexPath, dataPath, dataLength, count, window);
    }

    private static TraceLineReader OpenIndex(string indexPath)
    {
        try
        {
            return new TraceLineReader(new FileStream(indexPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), $"payload index '{indexPath}'");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimByzException($"payload index '{indexPath}' cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>The next index entry, checked against payloads.bin; null at the end.</summary>
    private static (ulong Hash, long Offset, int Length)? ReadEntry(TraceLineReader reader, string indexPath, long dataLength)
    {
        try
        {
            if (reader.ReadLine(out _) is not { } line) return null;
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
            return (hash.Value, offset, (int)length);
        }
        catch (IOException ex)
        {
            throw new SimByzException($"payload index '{indexPath}' cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>The entry of <paramref name="key"/>: from the window, else read forwards, else from the index's start; null if absent.</summary>
    private (long Offset, int Length)? Find(ulong key)
    {
        if (_window.TryGetValue(key, out var known)) return known;
        if (!_forwardDone)
        {
            _forward ??= OpenIndex(_indexPath);
            while (ReadEntry(_forward, _indexPath, _dataLength) is { } e)
            {
                Remember(e.Hash, (e.Offset, e.Length));
                if (e.Hash == key) return (e.Offset, e.Length);
            }
            _forwardDone = true;
            _forward.Dispose();
            _forward = null;
        }
        using var again = OpenIndex(_indexPath);
        while (ReadEntry(again, _indexPath, _dataLength) is { } e)
        {
            if (e.Hash != key) continue;
            Remember(e.Hash, (e.Offset, e.Length));
            return (e.Offset, e.Length);
        }
        return null;
    }

    private void Remember(ulong key, (long, int) entry)
    {
        if (!_window.TryAdd(key, entry)) return;
        _age.Enqueue(key);
        if (_age.Count > _capacity) _window.Remove(_age.Dequeue());
    }

    /// <summary>Closes the index.</summary>
    public void Dispose()
    {
        _forward?.Dispose();
        _forward = null;
    }

    /// <summary>The vector stored under <paramref name="hash"/>; throws if absent or damaged.</summary>
    public float[] Get(string hash, string where)
    {
        if (Key(hash) is not { } key || Find(key) is not { } entry) throw new SimByzException($"{where}: payload {hash} is not in the sidecar '{_dataPath}'");
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
