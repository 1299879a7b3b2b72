using System.Runtime.InteropServices;

namespace SimByz.Scheduler;

/// <summary>
/// Random crashes and recoveries: an alternating renewal process with exponential up times
/// (mean <see cref="MeanUpSeconds"/>) and exponential down times (mean <see cref="MeanDownSeconds"/>).
/// </summary>
/// <remarks>
/// <para>The worker is up at time 0. Starting there, the model draws up₁, down₁, up₂, down₂, … in
/// that order from the stream given to <see cref="Build"/> (the worker's own stream, purpose
/// <see cref="StreamPurpose.WorkerAvailability"/>): outage k is
/// [Σ_{j≤k} up_j + Σ_{j&lt;k} down_j, + down_k). Each duration is drawn as −mean·ln U
/// (<see cref="ExponentialDelayOptions"/>), rounded to ns once, and raised to at least 1 ns so
/// outages stay separated. The long-run fraction of time up is up/(up+down).</para>
/// <para>The built model generates outages lazily, as far as queries reach; the sequence does not
/// depend on the order of queries, only on the stream. Memory grows with (horizon / mean cycle).
/// Both means are required and must be &gt; 0. Options are immutable; a built model is not thread-safe.</para>
/// </remarks>
public sealed record RandomAvailabilityOptions
{
    /// <summary>Creates the options; both means must be finite durations &gt; 0 (at most 10⁹ s).</summary>
    public RandomAvailabilityOptions(double meanUpSeconds, double meanDownSeconds)
    {
        MeanUpSeconds = Check("mean-up", meanUpSeconds);
        MeanDownSeconds = Check("mean-down", meanDownSeconds);
    }

    /// <summary>Mean time between a recovery (or the start) and the next crash, seconds.</summary>
    public double MeanUpSeconds { get; }

    /// <summary>Mean outage length, seconds.</summary>
    public double MeanDownSeconds { get; }

    /// <summary>A model drawing from <paramref name="rng"/> (which it then owns).</summary>
    public IAvailabilityModel Build(RandomStream rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return new RandomAvailability(this, rng);
    }

    /// <summary>Text form <c>random:mean-up=10s,mean-down=1s</c>.</summary>
    public override string ToString() => $"random:mean-up={DelayText.Format(MeanUpSeconds)},mean-down={DelayText.Format(MeanDownSeconds)}";

    private static double Check(string name, double seconds)
    {
        if (!double.IsFinite(seconds) || seconds <= 0 || seconds > DelayModelOptions.MaxSampleSeconds)
        {
            throw new SimByzException($"random availability: {name} = {DelayText.Format(seconds)} is invalid: expected a duration > 0 and ≤ 1e9 s");
        }
        return seconds;
    }
}

internal sealed class RandomAvailability(RandomAvailabilityOptions options, RandomStream rng) : IAvailabilityModel
{
    // No outage reaches this time (≈ 73 years): generation stops, and queries beyond it need none.
    private static readonly SimTime Horizon = new(long.MaxValue / 4);

    private readonly double _meanUp = options.MeanUpSeconds;
    private readonly double _meanDown = options.MeanDownSeconds;
    private readonly List<Outage> _outages = [];
    private SimTime _generatedUntil; // the recovery of the last generated outage (0 before the first)
    private bool _exhausted;

    public bool IsUp(SimTime time)
    {
        ExtendPast(time);
        return OutageSearch.Containing(CollectionsMarshal.AsSpan(_outages), time) < 0;
    }

    public SimTime NextUp(SimTime time)
    {
        ExtendPast(time);
        int i = OutageSearch.Containing(CollectionsMarshal.AsSpan(_outages), time);
        return i < 0 ? time : _outages[i].RecoverAt;
    }

    public SimTime NextCrash(SimTime time)
    {
        ExtendPast(time);
        int i = OutageSearch.FirstCrashAtOrAfter(CollectionsMarshal.AsSpan(_outages), time);
        return i < _outages.Count ? _outages[i].CrashAt : SimTime.MaxValue;
    }

    /// <summary>Generates outages until one crashes after <paramref name="time"/> (or the horizon is reached),
    /// so every outage crashing at or before it, and the next crash, are known.</summary>
    private void ExtendPast(SimTime time)
    {
        if (time >= Horizon) return; // no outage starts there, whatever has been generated so far
        while (!_exhausted && (_outages.Count == 0 || _outages[^1].CrashAt <= time))
        {
            SimTime crash = _generatedUntil + Draw(_meanUp);
            SimTime recover = crash + Draw(_meanDown);
            if (recover >= Horizon)
            {
                _exhausted = true;
                break;
            }
            _outages.Add(new Outage(crash, recover));
            _generatedUntil = recover;
        }
    }

    private SimTime Draw(double mean)
    {
        var d = DelayText.ToSimTime(-mean * DetMath.Log(rng.NextDoubleNonZero()));
        return d.Nanoseconds < 1 ? new SimTime(1) : d;
    }
}
