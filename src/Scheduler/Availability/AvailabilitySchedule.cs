namespace SimByz.Scheduler;

/// <summary>
/// A fixed availability schedule for one worker: a list of outages (crash at t, recover at t'),
/// sorted and separated, validated on construction. Queries are O(log k) binary searches.
/// </summary>
/// <remarks>
/// <para>Validation (a <see cref="SimByzException"/> names the outage): each outage has
/// 0 ≤ crash &lt; recover; outages are in time order and separated (recover of one &lt; crash of the
/// next: touching outages must be merged); only the last may be permanent
/// (<see cref="SimTime.MaxValue"/> recovery).</para>
/// <para>Text form (<see cref="Parse"/>): outages separated by ';', each <c>CRASH..RECOVER</c> or
/// <c>CRASH..</c> (never recovers), times as SimTime text, e.g. <c>10ms..25ms;1s..</c>. The empty
/// schedule (<see cref="AlwaysUp"/>) is written <c>""</c> or <c>none</c>. Immutable and thread-safe.</para>
/// </remarks>
public sealed class AvailabilitySchedule : IAvailabilityModel
{
    private readonly Outage[] _outages;

    /// <summary>Validates and copies <paramref name="outages"/>.</summary>
    /// <exception cref="SimByzException">Unsorted, overlapping, touching or empty-length outages, or a permanent one not last.</exception>
    public AvailabilitySchedule(IReadOnlyList<Outage> outages)
    {
        ArgumentNullException.ThrowIfNull(outages);
        _outages = new Outage[outages.Count];
        for (int i = 0; i < _outages.Length; i++)
        {
            var o = outages[i];
            if (o.CrashAt < SimTime.Zero)
            {
                throw new SimByzException($"availability schedule: outage {i + 1} ({o}) crashes at a negative time");
            }
            if (o.RecoverAt <= o.CrashAt)
            {
                throw new SimByzException($"availability schedule: outage {i + 1} ({o}) recovers at {o.RecoverAt}, not after its crash at {o.CrashAt}");
            }
            if (i > 0)
            {
                var prev = _outages[i - 1];
                if (prev.IsPermanent)
                {
                    throw new SimByzException($"availability schedule: outage {i} ({prev}) never recovers, so no outage may follow it (outage {i + 1}: {o})");
                }
                if (o.CrashAt <= prev.RecoverAt)
                {
                    throw new SimByzException($"availability schedule: outage {i + 1} ({o}) must start after outage {i} ({prev}) ends: outages must be sorted and separated (merge touching ones)");
                }
            }
            _outages[i] = o;
        }
    }

    /// <summary>A worker that never crashes.</summary>
    public static AvailabilitySchedule AlwaysUp { get; } = new([]);

    /// <summary>The outages, in time order.</summary>
    public IReadOnlyList<Outage> Outages => _outages;

    /// <summary>Parses the text form (see remarks).</summary>
    /// <exception cref="SimByzException">Malformed text or an invalid schedule.</exception>
    public static AvailabilitySchedule Parse(string text)
    {
        string s = (text ?? "").Trim();
        if (s.Length == 0 || s == "none") return AlwaysUp;
        var outages = new List<Outage>();
        foreach (string part in s.Split(';'))
        {
            string item = part.Trim();
            int dots = item.IndexOf("..", StringComparison.Ordinal);
            if (dots < 0) throw new SimByzException($"availability schedule '{s}': '{item}' is not CRASH..RECOVER or CRASH.. (e.g. 10ms..25ms)");
            string crashText = item[..dots].Trim(), recoverText = item[(dots + 2)..].Trim();
            if (!SimTime.TryParse(crashText, out var crash, out string error))
            {
                throw new SimByzException($"availability schedule '{s}': crash time of '{item}': {error}");
            }
            var recover = SimTime.MaxValue;
            if (recoverText.Length > 0 && !SimTime.TryParse(recoverText, out recover, out error))
            {
                throw new SimByzException($"availability schedule '{s}': recovery time of '{item}': {error}");
            }
            outages.Add(new Outage(crash, recover));
        }
        return new AvailabilitySchedule(outages);
    }

    /// <summary>The text form, e.g. <c>10ms..25ms;1s..</c> (<c>none</c> when empty).</summary>
    public override string ToString() => _outages.Length == 0 ? "none" : string.Join(";", _outages);

    public bool IsUp(SimTime time) => OutageSearch.Containing(_outages, time) < 0;

    public SimTime NextUp(SimTime time)
    {
        int i = OutageSearch.Containing(_outages, time);
        return i < 0 ? time : _outages[i].RecoverAt;
    }

    public SimTime NextCrash(SimTime time)
    {
        int i = OutageSearch.FirstCrashAtOrAfter(_outages, time);
        return i < _outages.Length ? _outages[i].CrashAt : SimTime.MaxValue;
    }
}

/// <summary>Binary searches over sorted, separated outages.</summary>
internal static class OutageSearch
{
    /// <summary>Index of the outage containing <paramref name="time"/>, or −1.</summary>
    internal static int Containing(ReadOnlySpan<Outage> outages, SimTime time)
    {
        // Only the last outage that crashed at or before `time` can contain it.
        int i = FirstCrashAfter(outages, time) - 1;
        return i >= 0 && time < outages[i].RecoverAt ? i : -1;
    }

    /// <summary>Index of the first outage with CrashAt ≥ time (Length if none).</summary>
    internal static int FirstCrashAtOrAfter(ReadOnlySpan<Outage> outages, SimTime time)
    {
        int lo = 0, hi = outages.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (outages[mid].CrashAt < time) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>Index of the first outage with CrashAt &gt; time (Length if none).</summary>
    internal static int FirstCrashAfter(ReadOnlySpan<Outage> outages, SimTime time)
    {
        int lo = 0, hi = outages.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (outages[mid].CrashAt <= time) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
