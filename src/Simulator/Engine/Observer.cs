using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>How a sent message ended: every message ends as exactly one of these (DESIGN.md).</summary>
public enum MessageFate
{
    /// <summary>Still in flight (only while the run is going).</summary>
    Pending,

    /// <summary>Used by the server's update.</summary>
    Applied,

    /// <summary>Seen by the defence and not used (score too low, not selected).</summary>
    Rejected,

    /// <summary>Never reached the defence (late for its round, too stale, run ended).</summary>
    Dropped,
}

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

/// <summary>
/// Receives everything a run does, in firing order: the hook for traces, metrics and invariant
/// checks. All members have empty defaults. Called on the run's thread only.
/// </summary>
public interface ISimulationObserver
{
    /// <summary>A worker read the model and started computing. <paramref name="sequence"/> is the
    /// sequence number of the event being handled when it happened (0 at the start of the run).</summary>
    void Dispatched(SimTime time, long sequence, MessageInfo message) { }

    /// <summary>A worker finished computing and sent its message.</summary>
    void ComputeCompleted(SimTime time, long sequence, MessageInfo message) { }

    /// <summary>A message reached the server (payload as sent).</summary>
    void Arrived(SimTime time, long sequence, MessageInfo message, ReadOnlySpan<float> payload, long serverVersion) { }

    /// <summary>A message's fate was decided (applied, rejected or dropped).</summary>
    void Resolved(SimTime time, MessageInfo message) { }

    /// <summary>A synchronous aggregation (or async buffer) used these messages.</summary>
    void Aggregated(SimTime time, long round, IReadOnlyList<MessageInfo> inputs, AggregationDiagnostics diagnostics) { }

    /// <summary>The server model changed to <paramref name="version"/>.</summary>
    void ModelUpdated(SimTime time, long version, ReadOnlySpan<float> parameters) { }

    /// <summary>An evaluation point. At the end of a run the last point may be reported again, same step,
    /// with its counters brought up to date (messages dropped when the run ended).</summary>
    void Evaluated(SimTime time, MetricsRow row) { }

    /// <summary>A worker crashed (<paramref name="up"/> false) or recovered.</summary>
    void AvailabilityChanged(SimTime time, int worker, bool up) { }
}
