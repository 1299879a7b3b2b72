namespace SimByz.Simulator.Engine;

/// <summary>When a synchronous round aggregates.</summary>
public enum SyncWait
{
    /// <summary>When every dispatched worker's reply is in.</summary>
    All,

    /// <summary>When the first k replies are in (all of them if fewer were dispatched).</summary>
    FirstK,

    /// <summary>At round start + deadline with the replies in by then (earlier if all are in).</summary>
    Deadline,
}
