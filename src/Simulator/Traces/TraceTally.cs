using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SimByz.Simulator.Traces;

/// <summary>
/// What a trace's end record says about the lines before it, gathered one line at a time: the number of
/// records, the count of each event type (<see cref="TraceContent.EventTypes"/>) and the SHA-256 of their
/// UTF-8 bytes, each line followed by "\n" (docs/TRACE_FORMAT.md, End record).
/// </summary>
/// <remarks>Memory does not depend on the number of lines, so a trace streamed to disk gets the same end
/// record as one held in memory. Not thread-safe; dispose when done.</remarks>
internal sealed class TraceTally : IDisposable
{
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long[] _counts = new long[TraceContent.EventTypes.Count];
    private byte[] _buffer = new byte[1024];

    /// <summary>Lines added so far.</summary>
    public long Records { get; private set; }

    /// <summary>Adds the next line (without its line end).</summary>
    public void Add(string line)
    {
        Records = checked(Records + 1);
        // Every record starts {"type":"NAME", so the type is read without parsing.
        int start = 9, end = line.Length > start ? line.IndexOf('"', start) : -1;
        if (end >= 0)
        {
            var type = line.AsSpan(start, end - start);
            for (int k = 0; k < _counts.Length; k++)
            {
                if (type.SequenceEqual(TraceContent.EventTypes[k])) _counts[k]++;
            }
        }
        int max = Encoding.UTF8.GetMaxByteCount(line.Length);
        if (_buffer.Length < max) _buffer = new byte[Math.Max(max, _buffer.Length * 2)];
        int n = Encoding.UTF8.GetBytes(line, _buffer);
        _hash.AppendData(_buffer, 0, n);
        _hash.AppendData(Newline);
    }

    /// <summary>SHA-256 (hex) of the lines so far; starts afresh.</summary>
    public string TakeHash() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <summary>The end record for the lines added, a trace of <paramref name="runs"/> defences.</summary>
    public string EndRecord(int runs)
    {
        var sb = new StringBuilder("{");
        for (int k = 0; k < _counts.Length; k++)
        {
            // "clients" records exist only in federated runs: other traces keep the counts (and bytes) they always had.
            if (TraceContent.EventTypes[k] == "clients" && _counts[k] == 0) continue;
            if (k > 0) sb.Append(',');
            TraceLine.AppendString(sb, TraceContent.EventTypes[k]);
            sb.Append(':').Append(_counts[k].ToString(CultureInfo.InvariantCulture));
        }
        return new TraceLine("end").Int("records", Records).Int("runs", runs).Raw("counts", sb.Append('}').ToString())
            .Str("hash", TakeHash()).ToString();
    }

    public void Dispose() => _hash.Dispose();
}
