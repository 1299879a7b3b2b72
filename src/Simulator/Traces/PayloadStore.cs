using System.Buffers.Binary;

namespace SimByz.Simulator.Traces;

/// <summary>
/// The payload sidecar's content for one defence: distinct float32 vectors keyed by their
/// <see cref="TraceHash"/>, in first-seen order (docs/TRACE_FORMAT.md, Payload sidecar).
/// </summary>
/// <remarks>A store keeps its vectors in memory, or, built over a spill stream, writes each new vector to it
/// (float32 little-endian, the sidecar's encoding) and keeps only its hash and length: then its memory is
/// about a hundred bytes per distinct payload whatever the model's size. Not thread-safe: one store per
/// defence run; <see cref="TraceContent"/> merges them in defence order.</remarks>
public sealed class PayloadStore
{
    private readonly Dictionary<string, float[]>? _byHash;
    private readonly HashSet<string>? _seen;
    private readonly List<string> _order = [];
    private readonly List<int> _lengths = [];
    private readonly Stream? _spill;
    private byte[] _buffer = [];

    /// <summary>A store that keeps its vectors in memory.</summary>
    public PayloadStore()
    {
        _byHash = new(StringComparer.Ordinal);
    }

    /// <summary>A store that writes each new vector to <paramref name="spill"/> (read back by <see cref="TraceContent.WriteStreamed"/>).</summary>
    public PayloadStore(Stream spill)
    {
        ArgumentNullException.ThrowIfNull(spill);
        _spill = spill;
        _seen = new(StringComparer.Ordinal);
    }

    /// <summary>Keeps a copy of <paramref name="values"/> unless a vector with this hash is stored.</summary>
    public void Add(string hash, ReadOnlySpan<float> values)
    {
        if (_byHash is not null)
        {
            if (_byHash.ContainsKey(hash)) return;
            _byHash.Add(hash, values.ToArray());
        }
        else
        {
            if (!_seen!.Add(hash)) return;
            if (_buffer.Length < values.Length * 4) _buffer = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(_buffer.AsSpan(4 * i), values[i]);
            _spill!.Write(_buffer, 0, values.Length * 4);
        }
        _order.Add(hash);
        _lengths.Add(values.Length);
    }

    /// <summary>Hashes in first-seen order.</summary>
    public IReadOnlyList<string> Hashes => _order;

    /// <summary>The length of each vector, in <see cref="Hashes"/> order.</summary>
    public IReadOnlyList<int> Lengths => _lengths;

    /// <summary>Whether the vectors went to a spill stream rather than memory.</summary>
    public bool Spilled => _spill is not null;

    /// <summary>The vector stored under <paramref name="hash"/>.</summary>
    /// <exception cref="InvalidOperationException">The store spilled its vectors (read them from the spill file).</exception>
    public float[] Get(string hash)
        => _byHash is not null ? _byHash[hash] : throw new InvalidOperationException("this store wrote its vectors to a spill file; it keeps none");

    /// <summary>Flushes the spill stream, if any.</summary>
    public void Flush() => _spill?.Flush();
}
