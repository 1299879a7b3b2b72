using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>One worker message as the simulator tracks it.</summary>
/// <remarks>An observer may keep the instances it is given: a run with observers gives each message its
/// own. A run without observers reuses the instance of a resolved message for a later one (no allocation
/// per message).</remarks>
public sealed class MessageInfo
{
    public long Id { get; internal set; }
    public int Worker { get; internal set; }
    public bool Byzantine { get; internal set; }

    /// <summary>Model version (async) or round (sync) the worker read.</summary>
    public long ModelVersion { get; internal set; }
    public SimTime Dispatched { get; internal set; }

    /// <summary>When the worker finishes computing (set at dispatch, from its compute-latency draw).</summary>
    public SimTime ComputeDone { get; internal set; }

    /// <summary>When the message reaches the server (compute done + its network-delay draw).</summary>
    public SimTime Arrival { get; internal set; }

    /// <summary>Server version at arrival minus <see cref="ModelVersion"/> (set on arrival).</summary>
    public long Staleness { get; internal set; }
    public MessageFate Fate { get; internal set; }
    public double Score { get; internal set; } = double.NaN;
    public string? Reason { get; internal set; }
}
