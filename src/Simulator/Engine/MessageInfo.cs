using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>One worker message as the simulator tracks it.</summary>
public sealed class MessageInfo
{
    public long Id { get; init; }
    public int Worker { get; init; }
    public bool Byzantine { get; init; }

    /// <summary>Model version (async) or round (sync) the worker read.</summary>
    public long ModelVersion { get; init; }
    public SimTime Dispatched { get; init; }

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
