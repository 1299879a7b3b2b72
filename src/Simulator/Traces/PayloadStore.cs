namespace SimByz.Simulator.Traces;

/// <summary>
/// The payload sidecar's content for one defence: distinct float32 vectors keyed by their
/// <see cref="TraceHash"/>, in first-seen order (docs/TRACE_FORMAT.md, Payload sidecar).
/// </summary>
/// <remarks>Not thread-safe: one store per defence run; <see cref="TraceContent"/> merges them in defence order.</remarks>
public sealed class PayloadStore
{
    private readonly Dictionary<string, float[]> _byHash = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Keeps a copy of <paramref name="values"/> unless a vector with this hash is stored.</summary>
    public void Add(string hash, ReadOnlySpan<float> values)
    {
        if (_byHash.ContainsKey(hash)) return;
        _byHash.Add(hash, values.ToArray());
        _order.Add(hash);
    }

    /// <summary>Hashes in first-seen order.</summary>
    public IReadOnlyList<string> Hashes => _order;

    /// <summary>The vector stored under <paramref name="hash"/>.</summary>
    public float[] Get(string hash) => _byHash[hash];
}
