namespace SimByz.Scheduler;

/// <summary>
/// When a worker is up: a sequence of outages, each down on [crash, recover), up everywhere else.
/// </summary>
/// <remarks>
/// Queries may come in any order and always give the same answers for the same model (random
/// models generate their outages in a fixed order, whatever is asked). <see cref="SimTime.MaxValue"/>
/// stands for "never". Not thread-safe (random models extend themselves lazily).
/// </remarks>
public interface IAvailabilityModel
{
    /// <summary>True if the worker is up at <paramref name="time"/> (a crash at t means down at t; a recovery at t means up at t).</summary>
    bool IsUp(SimTime time);

    /// <summary>The earliest time ≥ <paramref name="time"/> at which the worker is up: <paramref name="time"/> itself when up,
    /// the end of the current outage when down, <see cref="SimTime.MaxValue"/> if it never recovers.</summary>
    SimTime NextUp(SimTime time);

    /// <summary>The earliest crash instant ≥ <paramref name="time"/>, or <see cref="SimTime.MaxValue"/> if none.
    /// For a worker up at t, work started at t and due at t + d is interrupted iff NextCrash(t) &lt; t + d.</summary>
    SimTime NextCrash(SimTime time);
}

/// <summary>One outage: the worker is down on [<see cref="CrashAt"/>, <see cref="RecoverAt"/>).</summary>
/// <param name="CrashAt">When it crashes (≥ 0).</param>
/// <param name="RecoverAt">When it is up again (&gt; CrashAt); <see cref="SimTime.MaxValue"/> for a permanent crash.</param>
public readonly record struct Outage(SimTime CrashAt, SimTime RecoverAt)
{
    /// <summary>True for a crash without recovery.</summary>
    public bool IsPermanent => RecoverAt == SimTime.MaxValue;

    /// <summary>Text form <c>CRASH..RECOVER</c>, or <c>CRASH..</c> for a permanent crash.</summary>
    public override string ToString() => IsPermanent ? $"{CrashAt}.." : $"{CrashAt}..{RecoverAt}";
}
