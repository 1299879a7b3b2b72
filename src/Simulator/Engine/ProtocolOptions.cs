using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>The protocol and its knobs.</summary>
/// <param name="Kind">Sync or async.</param>
/// <param name="Wait">Sync: when a round aggregates.</param>
/// <param name="K">Sync first-k: how many replies.</param>
/// <param name="Deadline">Sync deadline: round length.</param>
/// <param name="MaxStaleness">Async: drop messages staler than this (−1: no bound).</param>
/// <param name="AsyncBuffer">Async with a synchronous rule: aggregate every this many arrived messages (the
/// "buffered" mode that lets staleness-unaware robust rules run asynchronously).</param>
/// <param name="Staleness">Async: what staleness counts (<c>protocol.staleness</c>: versions, messages or
/// time in ns); see <see cref="StalenessMeasure"/>. Default versions.</param>
public sealed record ProtocolOptions(
    ProtocolKind Kind = ProtocolKind.Sync,
    SyncWait Wait = SyncWait.All,
    int K = 0,
    SimTime Deadline = default,
    long MaxStaleness = -1,
    int AsyncBuffer = 0,
    StalenessMeasure Staleness = StalenessMeasure.Versions);
