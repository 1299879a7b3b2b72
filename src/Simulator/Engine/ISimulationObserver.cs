using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

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

    /// <summary>Federated: round <paramref name="round"/> sampled <paramref name="clients"/> clients, <paramref name="byzantine"/> of them
    /// Byzantine (async: slot filling number <paramref name="round"/>; the counts are of the clients active after it).</summary>
    void ClientsSampled(SimTime time, long round, int clients, int byzantine) { }

    /// <summary>A worker crashed (<paramref name="up"/> false) or recovered.</summary>
    void AvailabilityChanged(SimTime time, int worker, bool up) { }
}
