namespace SimByz.Scheduler;

/// <summary>
/// Draws durations in seconds, unrounded: what a delay model implemented outside SimByz (a plug-in)
/// provides. SimByz rounds each final sample to whole nanoseconds once and clamps it to
/// [0, <see cref="DelayModelOptions.MaxSampleSeconds"/>], as for the built-in models.
/// </summary>
/// <remarks>Draw only from the stream given (the worker's stream for this purpose): that is what keeps
/// runs deterministic. An instance belongs to one worker and may keep state (e.g. a position in a trace).</remarks>
public interface IDelaySampler
{
    /// <summary>The next duration in seconds (≥ 0; NaN is an error).</summary>
    double SampleSeconds(RandomStream rng);
}
