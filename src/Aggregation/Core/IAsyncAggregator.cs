namespace SimByz.Aggregation;

/// <summary>
/// An asynchronous, per-message rule (plain async SGD, Zeno++, Kardam, …): decides whether one
/// arriving message is applied and, if so, the update vector to apply; a buffering rule (FedBuff,
/// BASGD) may hold a message and apply it with a later one (<see cref="AsyncDecision.Held"/>).
/// </summary>
/// <remarks>Stateful (Zeno++ keeps its validation gradient and refreshes it every k server
/// updates); one instance per simulation, not thread-safe. <see cref="Reset"/> clears the state.</remarks>
public interface IAsyncAggregator
{
    /// <summary>Canonical spec, e.g. <c>zeno++:rho=0.001,eps=0.1,k=10,form=reference</c>.</summary>
    string Spec { get; }

    /// <summary>
    /// Decides on <paramref name="message"/>, which was computed on model version
    /// <paramref name="message"/>'s <see cref="AsyncMessage.ModelVersion"/>; when accepted, writes the
    /// update to apply (the server does x ← x − γ·update) into <paramref name="update"/>.
    /// </summary>
    AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update);

    void Reset() { }
}

/// <summary>One message as the async server sees it.</summary>
public readonly record struct AsyncMessage(int WorkerId, long ModelVersion, long Staleness, ReadOnlyMemory<float> Payload);

/// <summary>
/// The fate of one async message: accepted, rejected with its score and reason, or held by a
/// buffering rule (FedBuff, BASGD) for a later update.
/// </summary>
/// <param name="Accepted">The update written by the rule is applied now; with a buffering rule it is
/// the combination of this message and every message the rule holds, which are all applied with it.</param>
/// <param name="Score">The rule's score of the message (NaN when it has none).</param>
/// <param name="Reason">Why it was rejected, or null.</param>
/// <param name="Held">The rule keeps the message's contribution for a later update and writes no
/// update now: the message stays pending, and becomes applied when a later decision of the rule is
/// <see cref="Accepted"/>, or dropped ("run ended") if the run ends first. So every message still
/// ends with exactly one fate.</param>
public readonly record struct AsyncDecision(bool Accepted, double Score, string? Reason, bool Held = false)
{
    public static AsyncDecision Accept(double score = double.NaN) => new(true, score, null);

    public static AsyncDecision Reject(double score, string reason) => new(false, score, reason);

    /// <summary>Held for a later update (see <see cref="Held"/>).</summary>
    public static AsyncDecision Hold(double score = double.NaN) => new(false, score, null, Held: true);
}
