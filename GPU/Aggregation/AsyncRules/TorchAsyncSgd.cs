using SimByz.Aggregation;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.AsyncRules;

/// <summary>
/// Tensor twin of <c>async-sgd:variant</c>: every message is applied as it arrives (<c>plain</c>), or
/// divided by its staleness s when s &gt; 1 (<c>staleness-aware</c>, Zhang et al., IJCAI 2016), as one
/// float32 multiplication by (float)(1/s) per coordinate.
/// </summary>
/// <remarks>Accepts every message, non-finite ones included; score NaN. Agreement: bit for bit
/// (one float32 product per coordinate in both backends).</remarks>
internal sealed class TorchAsyncSgd(bool stalenessAware) : ITensorAsyncRule
{
    public static TorchAsyncSgd Create(SpecParameters p)
        => new(p.GetChoice("variant", "plain", "plain", "staleness-aware") == "staleness-aware");

    public string Spec => stalenessAware ? "async-sgd:variant=staleness-aware" : "async-sgd:variant=plain";

    public TensorDecision Decide(Tensor g, AsyncMessage message, TensorCall call)
    {
        var update = stalenessAware && message.Staleness > 1 ? g.mul((float)(1.0 / message.Staleness)) : g;
        return new(AsyncDecision.Accept(), update);
    }
}
