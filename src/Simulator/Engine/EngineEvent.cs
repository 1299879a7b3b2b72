namespace SimByz.Simulator.Engine;

/// <summary>The payload of one event on a run's queue.</summary>
/// <param name="Kind">What happens (and its priority).</param>
/// <param name="MessageId">The message concerned; for <see cref="EngineEventKind.Restart"/> the worker id; −1 when none.</param>
/// <param name="Round">The message's model version, or the round a deadline or retry belongs to; −1 when none.</param>
/// <remarks>Scheduled with priority <c>(int)Kind</c>.</remarks>
internal readonly record struct EngineEvent(EngineEventKind Kind, long MessageId, long Round);
