using System.Globalization;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// FedBuff (Nguyen, Malik, Zhan, Yousefpour, Rabbat, Malek, Huba, "Federated Learning with Buffered
/// Asynchronous Aggregation", AISTATS 2022): the server buffers K client updates and then applies
/// their mean times a server learning rate η; optionally each update is first scaled by
/// 1/√(1 + τ), τ its staleness.
/// </summary>
/// <remarks>
/// <para><b>Mapping to the engine.</b> A worker's message u is its step direction: the model change of
/// its local steps is Δ = x_read − x_client = γu. FedBuff's x ← x − η·(1/K)Σ s(τ_i)Δ_i is therefore
/// the server's x ← x − γ·update with update = η·(1/K)Σ s(τ_i)u_i, where γ is the server's current
/// learning rate (equal to the worker's γ for a constant schedule). s(τ) = 1 (<c>staleness=none</c>,
/// default) or 1/√(1 + τ) (<c>staleness=sqrt</c>, the paper's staleness scaling).</para>
/// <para><b>Fates.</b> The first K − 1 messages of a buffer are held (<see cref="AsyncDecision.Held"/>);
/// the K-th is accepted and its update applies all K, so all K end applied. Messages held when the run
/// ends are dropped ("run ended"). The server version advances once per K messages, as in the paper.</para>
/// <para><b>Tolerance.</b> None: every message enters the buffer, non-finite ones included (like
/// <c>mean</c>).</para>
/// <para>Deterministic: the buffer is summed in float64 in arrival order and rounded once to float32.
/// Stateful (the running sum); not thread-safe; <see cref="Reset"/> empties the buffer.</para>
/// </remarks>
internal sealed class FedBuffRule : IAsyncAggregator
{
    public static readonly ComponentInfo Info = new(
        "fedbuff", "FedBuff: buffer K updates, then apply η × their mean (optionally each scaled by 1/√(1 + staleness))",
        "Nguyen et al., AISTATS 2022",
        "none (q = 0)",
        [
            new("k", "int ≥ 1", "10", "K: updates per server step"),
            new("eta", "number > 0", "1", "server learning rate η (multiplies the mean; the server's γ applies on top)"),
            new("staleness", "none|sqrt", "none", "scale each update by 1 (none) or 1/√(1 + τ) (sqrt)"),
        ]);

    private readonly int _k;
    private readonly double _eta;
    private readonly bool _sqrt;
    private double[] _sum = [];
    private int _count;

    private FedBuffRule(int k, double eta, bool sqrt)
    {
        _k = k;
        _eta = eta;
        _sqrt = sqrt;
    }

    public static IAsyncAggregator Create(SpecParameters p)
    {
        int k = p.GetInt("k", 10, min: 1);
        double eta = p.GetDouble("eta", 1.0, min: 0);
        if (!(eta > 0) || !double.IsFinite(eta)) throw new SimByzException($"fedbuff: eta must be a finite number > 0 (got {eta})");
        bool sqrt = p.GetChoice("staleness", "none", "none", "sqrt") == "sqrt";
        return new FedBuffRule(k, eta, sqrt);
    }

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"fedbuff:k={_k},eta={_eta:R},staleness={(_sqrt ? "sqrt" : "none")}");

    /// <summary>Messages in the buffer now.</summary>
    internal int Buffered => _count;

    public void Reset()
    {
        _count = 0;
        Array.Clear(_sum);
    }

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        ReadOnlySpan<float> u = message.Payload.Span;
        int d = u.Length;
        if (update.Length != d) throw new ArgumentException($"fedbuff: update has length {update.Length}, expected d = {d}", nameof(update));
        if (_sum.Length != d)
        {
            _sum = new double[d];
            _count = 0;
        }
        double s = _sqrt ? 1.0 / Math.Sqrt(1.0 + Math.Max(0, message.Staleness)) : 1.0;
        for (int j = 0; j < d; j++) _sum[j] += s * u[j];
        if (++_count < _k)
        {
            update.Clear();
            return AsyncDecision.Hold(s);
        }
        double scale = _eta / _k;
        for (int j = 0; j < d; j++) update[j] = (float)(_sum[j] * scale);
        Reset();
        return AsyncDecision.Accept(s);
    }
}
