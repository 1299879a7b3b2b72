namespace SimByz.Aggregation;

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
