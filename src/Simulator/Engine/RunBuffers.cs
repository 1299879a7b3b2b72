using SimByz.Aggregation;

namespace SimByz.Simulator.Engine;

/// <summary>
/// The matrices of message slabs (<see cref="PayloadSlab"/>: a synchronous round's n×d rows) handed from a run that
/// ended to the next run that needs one: the runs of one setup (every defence of a scenario) or of one sweep draw on the
/// same <see cref="RunBuffers"/> instead of each allocating its own.
/// </summary>
/// <remarks>
/// <para>Why (docs/PERFORMANCE.md, "Session 25" under the simulated step): a slab is a pinned array, which only a full
/// collection frees; with one new slab per run, short runs trigger a full collection every few runs, the collector hands
/// the freed pages back to the OS, and the next run's first writes fault every page in again. A run of one step of the
/// reference configuration took 18–23 ms before, 4.4–6.2 ms after (the step benchmark's <c>RunOfOneStep</c>).</para>
/// <para>Speed only. A buffer is cleared when it is taken, so a run sees exactly what a new buffer holds (zeros): no run
/// depends on which run, if any, used the buffer before. A run gives its slabs back when it ends
/// (<see cref="TrainingRun.Run"/>), after every helper thread has stopped writing; a slab still holding an unresolved
/// message then (a failed or cancelled run) is left to the collector. Thread-safe: runs of one setup may run in
/// parallel. Holds at most <see cref="MaxKept"/> buffers; one more given back is left to the collector. A kept buffer
/// serves a request only up to <see cref="MaxSlack"/> times its length, so a sweep's small runs neither clear nor hold
/// the matrices of its large ones.</para>
/// </remarks>
internal sealed class RunBuffers
{
    /// <summary>Most buffers kept between runs.</summary>
    public const int MaxKept = 8;

    /// <summary>How many times longer than asked for a kept buffer may be and still be taken.</summary>
    public const int MaxSlack = 2;

    private readonly Lock _gate = new();
    private readonly List<AlignedFloats> _kept = [];

    /// <summary>Buffers kept now (tests).</summary>
    public int Kept
    {
        get
        {
            lock (_gate) return _kept.Count;
        }
    }

    /// <summary>A zeroed buffer of at least <paramref name="length"/> floats: the smallest kept one that is long enough and at most
    /// <see cref="MaxSlack"/> times that long, or a new one.</summary>
    public AlignedFloats Take(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        AlignedFloats found = default;
        lock (_gate)
        {
            int best = -1;
            for (int k = 0; k < _kept.Count; k++)
            {
                int kept = _kept[k].Length;
                if (kept >= length && kept <= (long)MaxSlack * length && (best < 0 || kept < _kept[best].Length)) best = k;
            }
            if (best >= 0)
            {
                found = _kept[best];
                _kept.RemoveAt(best);
            }
        }
        if (found.Array is null) return AlignedFloats.Allocate(length);
        found.Span.Clear();
        return found;
    }

    /// <summary>Keeps <paramref name="buffer"/> for a later <see cref="Take"/> (if fewer than <see cref="MaxKept"/> are kept). The caller must not use it again.</summary>
    public void Give(AlignedFloats buffer)
    {
        if (buffer.Array is null) return;
        lock (_gate)
        {
            if (_kept.Count < MaxKept) _kept.Add(buffer);
        }
    }
}
