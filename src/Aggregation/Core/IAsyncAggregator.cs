namespace SimByz.Aggregation;

/// <summary>
/// An asynchronous, per-message rule (plain async SGD, Zeno++): decides whether one arriving
/// message is applied and, if so, the update vector to apply.
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

/// <summary>The fate of one async message: accepted, or rejected with its score and reason.</summary>
public readonly record struct AsyncDecision(bool Accepted, double Score, string? Reason)
{
    public static AsyncDecision Accept(double score = double.NaN) => new(true, score, null);

    public static AsyncDecision Reject(double score, string reason) => new(false, score, reason);
}
