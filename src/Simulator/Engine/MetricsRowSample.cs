namespace SimByz.Simulator.Engine;

/// <summary>
/// The evaluation points a run keeps in memory: all of them up to a bound, then a sample whose memory
/// does not grow with the run: the first point, every k-th point (k a power of two, doubled each time
/// the sample would pass the bound) and always the last.
/// </summary>
/// <remarks>Which points are kept depends only on their number, so the sample is deterministic. The
/// complete series goes to the observers (metrics.csv is written from them). Not thread-safe.</remarks>
internal sealed class MetricsRowSample
{
    private readonly List<MetricsRow> _kept = [];
    private readonly int _bound;
    private long _stride = 1;
    private long _count;
    private bool _lastKept;

    /// <param name="bound">At most this many points are kept besides the last (≥ 2; <see cref="int.MaxValue"/>: all).</param>
    public MetricsRowSample(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 2);
        _bound = bound;
    }

    /// <summary>The last point added (null before the first).</summary>
    public MetricsRow? Last { get; private set; }

    /// <summary>Points added so far.</summary>
    public long Count => _count;

    /// <summary>Adds the next point.</summary>
    public void Add(MetricsRow row)
    {
        _lastKept = _count % _stride == 0;
        if (_lastKept)
        {
            _kept.Add(row);
            if (_kept.Count > _bound) Thin();
        }
        _count = checked(_count + 1);
        Last = row;
    }

    /// <summary>Replaces the last point added (its counters brought up to date at the end of a run).</summary>
    public void ReplaceLast(MetricsRow row)
    {
        if (Last is null) throw new InvalidOperationException("no point to replace");
        if (_lastKept) _kept[^1] = row;
        Last = row;
    }

    /// <summary>The kept points in order, ending with the last point added.</summary>
    public List<MetricsRow> ToList()
    {
        var list = new List<MetricsRow>(_kept.Count + 1);
        list.AddRange(_kept);
        if (!_lastKept && Last is not null) list.Add(Last);
        return list;
    }

    /// <summary>Keeps every other kept point (those whose number is a multiple of twice the stride) and doubles the stride.</summary>
    private void Thin()
    {
        int j = 0;
        for (int i = 0; i < _kept.Count; i += 2) _kept[j++] = _kept[i];
        _kept.RemoveRange(j, _kept.Count - j);
        _stride = checked(_stride * 2);
        // The point just added has an odd position in the old sample when its number is not a multiple of the new stride.
        _lastKept = (_count % _stride) == 0;
    }
}
