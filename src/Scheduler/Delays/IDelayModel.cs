namespace SimByz.Scheduler;

/// <summary>
/// A model of one worker's compute latency or network delay: each call draws the next duration.
/// </summary>
/// <remarks>
/// Implementations draw only from the stream they are given (the owning worker's stream for this
/// purpose), round to nanoseconds once when drawing, and never return a negative duration. A model
/// instance may be stateful (trace-driven models advance through their samples) and then belongs
/// to one worker; <see cref="Spec"/> is the canonical text that recreates it.
/// </remarks>
public interface IDelayModel
{
    /// <summary>Canonical spec, e.g. <c>lognormal:mu=-4,sigma=0.5</c>.</summary>
    string Spec { get; }

    /// <summary>The next duration (≥ 0).</summary>
    SimTime Sample(RandomStream rng);
}
