using System.Numerics.Tensors;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Plain asynchronous SGD (<c>async-sgd</c>, <c>variant=plain</c>, the default): every message is
/// applied as it arrives, x ← x − γu; and its staleness-aware variant (<c>variant=staleness-aware</c>,
/// Zhang, Gupta, Lian, Liu, "Staleness-aware Async-SGD for Distributed Deep Learning", IJCAI 2016):
/// the update is divided by the message's staleness, u / max(1, s), i.e. the step γ/s.
/// </summary>
/// <remarks>
/// <para>No Byzantine tolerance: every message is accepted, non-finite ones included (NaN and ±∞
/// reach the model, as with <c>mean</c>); the score reported is NaN. A max-staleness bound (drop
/// messages older than s versions) is the asynchronous protocol's job, not this rule's: the protocol
/// drops such messages before any rule sees them, and records them as dropped.</para>
/// <para>Stateless; no allocation; the staleness-aware scaling is one float32 multiplication per
/// coordinate by (float)(1/max(1, s)).</para>
/// </remarks>
internal sealed class AsyncSgdRule : IAsyncAggregator
{
    public static readonly ComponentInfo Info = new(
        "async-sgd", "asynchronous SGD: apply every message (staleness-aware variant: scaled by 1/max(1, staleness))",
        "plain async SGD (variant=plain); Zhang et al., IJCAI 2016 (variant=staleness-aware)",
        "none (q = 0); max-staleness drops belong to the protocol",
        [
            new("variant", "plain|staleness-aware", "plain", "plain: apply u; staleness-aware: apply u / max(1, staleness)"),
        ]);

    private readonly bool _stalenessAware;

    private AsyncSgdRule(bool stalenessAware) => _stalenessAware = stalenessAware;

    public static IAsyncAggregator Create(SpecParameters p)
        => new AsyncSgdRule(p.GetChoice("variant", "plain", "plain", "staleness-aware") == "staleness-aware");

    public string Spec => _stalenessAware ? "async-sgd:variant=staleness-aware" : "async-sgd:variant=plain";

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        ReadOnlySpan<float> u = message.Payload.Span;
        if (update.Length != u.Length) throw new ArgumentException($"async-sgd: update has length {update.Length}, expected d = {u.Length}", nameof(update));
        if (_stalenessAware && message.Staleness > 1)
        {
            TensorPrimitives.Multiply(u, (float)(1.0 / message.Staleness), update);
        }
        else
        {
            u.CopyTo(update);
        }
        return AsyncDecision.Accept();
    }
}
