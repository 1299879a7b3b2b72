using System.Globalization;
using SimByz.Aggregation;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.AsyncRules;

/// <summary>
/// Tensor twin of <c>fedbuff:k,eta,staleness</c> (Nguyen et al., AISTATS 2022): the running sum of the
/// buffered messages, each scaled by s(τ) = 1 (<c>staleness=none</c>) or 1/√(1 + τ) (<c>sqrt</c>), lives on
/// the device in float64; the K-th message is accepted with the update η·(1/K)·Σ s(τᵢ)uᵢ, rounded once to
/// float32, and the buffer empties. The first K − 1 messages of a buffer are held.
/// </summary>
/// <remarks>As the managed rule: every message enters the buffer (non-finite ones too); the score is
/// s(τ). Each term s·u is formed in float64 and added in arrival order, as the managed rule does, so
/// the sums agree bit for bit; stated agreement: relative 1e-6 per coordinate.</remarks>
internal sealed class TorchFedBuff(int k, double eta, bool sqrt) : ITensorAsyncRule
{
    private Tensor? _sum;
    private int _count;

    public static TorchFedBuff Create(SpecParameters p)
    {
        int k = p.GetInt("k", 10, min: 1);
        double eta = p.GetDouble("eta", 1.0, min: 0);
        if (!(eta > 0) || !double.IsFinite(eta)) throw new SimByzException($"fedbuff: eta must be a finite number > 0 (got {eta})");
        bool sqrt = p.GetChoice("staleness", "none", "none", "sqrt") == "sqrt";
        return new(k, eta, sqrt);
    }

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"fedbuff:k={k},eta={eta:R},staleness={(sqrt ? "sqrt" : "none")}");

    public TensorDecision Decide(Tensor g, AsyncMessage message, TensorCall call)
    {
        long d = g.shape[0];
        if (_sum is null || _sum.shape[0] != d)
        {
            _sum?.Dispose();
            _sum = zeros(d, dtype: ScalarType.Float64, device: g.device).DetachFromDisposeScope();
            _count = 0;
        }
        double s = sqrt ? 1.0 / Math.Sqrt(1.0 + Math.Max(0, message.Staleness)) : 1.0;
        var term = g.to_type(ScalarType.Float64);
        _sum.add_(s == 1.0 ? term : term.mul(s));
        if (++_count < k) return new(AsyncDecision.Hold(s), null);
        var update = _sum.mul(eta / k).to_type(ScalarType.Float32);
        Reset();
        return new(AsyncDecision.Accept(s), update);
    }

    public void Reset()
    {
        _count = 0;
        _sum?.zero_();
    }

    public void Release()
    {
        Reset();
        _sum?.Dispose();
        _sum = null;
    }
}
