namespace SimByz.Scheduler;

/// <summary>What a trace-driven delay model does once its recorded durations are used up.</summary>
public enum TraceEndBehavior
{
    /// <summary>Throw a <see cref="SimByzException"/> naming the trace length (the default: never invent data silently).</summary>
    Error,

    /// <summary>Start again from the first duration.</summary>
    Loop,

    /// <summary>Draw from the fallback model from then on.</summary>
    Fallback,
}
