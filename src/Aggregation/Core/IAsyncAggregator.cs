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

    /// <summary>
    /// Whether the rule needs the server's validation data (<see cref="AggregationContext.Oracle"/>): Zeno++'s
    /// validation gradient, AFLGuard's trusted set. A scenario without a validation set rejects such a rule by
    /// name. The default is false.
    /// </summary>
    bool UsesValidation => false;

    void Reset() { }
}
