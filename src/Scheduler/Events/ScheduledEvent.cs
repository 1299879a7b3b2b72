namespace SimByz.Scheduler;

/// <summary>An event as it leaves the queue.</summary>
public readonly record struct ScheduledEvent<T>(SimTime Time, int Priority, long Sequence, T Payload);
