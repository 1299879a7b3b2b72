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
