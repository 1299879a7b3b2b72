namespace SimByz.Aggregation.Rules;

/// <summary>
/// Copies a long run of floats with every thread of <see cref="ChunkRunner"/>: a rule whose output is one of its input
/// rows (Krum) otherwise spends a single thread's copy of d values at its end (at d = 10⁶ a 4 MB copy, which took about
/// twice as long on one vCPU as on both in a throwaway probe on the 2-vCPU machine). A copy has no arithmetic, so the
/// threads change no bit.
/// </summary>
internal sealed unsafe class ParallelCopy : IChunkJob
{
    /// <summary>Values per chunk (256 KB).</summary>
    internal const int ChunkLength = 1 << 16;

    /// <summary>Shorter runs are copied on the calling thread (handing them to the pool would cost more than it saves).</summary>
    internal const int ParallelFrom = 1 << 18;

    private float* _from;
    private float* _to;
    private int _length;

    /// <summary>
    /// Copies <paramref name="source"/> into the start of <paramref name="destination"/>, as <see cref="Span{T}.CopyTo"/> does;
    /// <paramref name="order"/>: the chunks' order (speed only).
    /// </summary>
    public void Copy(ReadOnlySpan<float> source, Span<float> destination, ChunkOrder order = ChunkOrder.Ascending)
    {
        if (source.Length < ParallelFrom || ChunkRunner.MaxThreads == 1 || source.Overlaps(destination))
        {
            // Short, one thread, or overlapping runs (whose chunks could not be copied independently): the plain copy.
            source.CopyTo(destination);
            return;
        }
        if (destination.Length < source.Length) throw new ArgumentException("destination shorter than source", nameof(destination));
        fixed (float* from = source)
        fixed (float* to = destination)
        {
            _from = from;
            _to = to;
            _length = source.Length;
            try
            {
                ChunkRunner.Run(this, (_length + ChunkLength - 1) / ChunkLength, order);
            }
            finally
            {
                _from = _to = null;
            }
        }
    }

    public void RunChunk(int chunk)
    {
        int start = chunk * ChunkLength, length = Math.Min(ChunkLength, _length - start);
        new ReadOnlySpan<float>(_from + start, length).CopyTo(new Span<float>(_to + start, length));
    }
}
