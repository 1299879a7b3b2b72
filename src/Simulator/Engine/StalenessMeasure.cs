namespace SimByz.Simulator.Engine;

/// <summary>
/// What the staleness of an asynchronous message counts (<c>protocol.staleness</c>): the value the
/// protocol bounds with <see cref="ProtocolOptions.MaxStaleness"/>, reports in the metrics'
/// staleness columns and traces, and hands to the async rule as <c>AsyncMessage.Staleness</c>.
/// </summary>
/// <remarks>
/// <para>Why three: server versions advance only on applied messages, so version staleness depends on
/// the defence and on speed in ways that can mislead. Example: make the honest workers slower; fewer
/// updates are applied while a message is in flight, so its version staleness <i>drops</i>, although
/// each message is computed on a model that is older in wall-clock terms and more messages (say a
/// fast Byzantine worker's) reached the server meanwhile. <see cref="Messages"/> counts that traffic
/// whatever the defence does with it (a defence that rejects everything still sees staleness grow);
/// <see cref="Time"/> measures the delay itself, independent of both traffic and defence.</para>
/// <para>Rules with staleness parameters (Kardam's β, FedAsync's a and b, the staleness-aware async
/// SGD) read them in the chosen unit: with <see cref="Time"/>, τ is in nanoseconds.</para>
/// </remarks>
public enum StalenessMeasure
{
    /// <summary>Server versions (applied updates) since the read: v_arrival − v_read. The default,
    /// and the papers' definition (Zeno++, FedAsync, Kardam).</summary>
    Versions,

    /// <summary>Messages the server received (arrived, whatever their fate) after the worker read the
    /// model and before this message arrived.</summary>
    Messages,

    /// <summary>Simulated time from the worker's read of the model to the message's arrival, in
    /// nanoseconds (a Byzantine worker that reads an old version counts from its read).</summary>
    Time,
}
