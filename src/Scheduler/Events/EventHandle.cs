namespace SimByz.Scheduler;

/// <summary>Identifies a scheduled event so it can be cancelled. Default is "no event".</summary>
public readonly record struct EventHandle(int Slot, long Sequence)
{
    /// <summary>True for a handle returned by <see cref="EventQueue{T}.Schedule"/>.</summary>
    public bool IsValid => Sequence > 0;
}
