using System.Globalization;
using System.Numerics.Tensors;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Zeno++ (Xie, Koyejo, Gupta, "Zeno++: Robust Fully Asynchronous SGD", ICML 2020, arXiv 1903.07020):
/// accepts or rejects each asynchronous message on its own by a first-order estimate of the descent
/// it brings to the server's validation loss, against a validation gradient g_r that is refreshed
/// only every k server updates (so it may be stale, like the messages).
/// </summary>
/// <remarks>
/// <para>Spec name: <c>zenopp</c>; <see cref="AggregatorCatalog.CreateAsync"/> also accepts
/// the paper's name <c>zeno++</c> (the grammar reads '+' as the chain separator, so it cannot be the
/// registered name).</para>
/// <para>Validation gradient: g_r = ∇f_r(x) at the server model <see cref="AggregationContext.Model"/>,
/// from <see cref="AggregationContext.Oracle"/>, computed at the first call and again, with
/// <c>refresh=versions</c> (default), whenever <see cref="AggregationContext.Round"/> (the server
/// version) − version of the last refresh ≥ k — the paper's "every k server updates"; with
/// <c>refresh=messages</c>, after every k scored messages, accepted or not — the reference code, whose
/// refresh is driven by an iteration counter that counts every message. The two differ in liveness:
/// see <see cref="ZenoPlusPlusRefresh.Versions"/>.</para>
/// <para>Forms (<c>form=</c>), with γ = <see cref="AggregationContext.LearningRate"/>:
/// <list type="bullet">
/// <item><c>reference</c> (default; xcgoner/iclr2020_zeno_async): u' = u·(‖g_r‖/‖u‖) (the scale
/// c = √(‖g_r‖²/‖u‖²) is computed in float64 and applied in float32), score = γ⟨u', g_r⟩ − ρ‖u‖² + γε
/// where ‖u‖² is the squared norm of the message BEFORE rescaling; accepted iff score ≥ 0; the
/// update applied is u'. A zero message (or a zero g_r) gives u' = 0 and score γε. The reference
/// code uses its initial learning rate in the score; here γ is the current one.</item>
/// <item><c>plain</c>: score = γ⟨g_r, u⟩ − ρ‖u‖²; accepted iff score ≥ ε; the update applied is u.</item>
/// </list>
/// The reported <see cref="AsyncDecision.Score"/> is the score as defined for the form.</para>
/// <para>Rejected: a message with NaN or ±∞ in any coordinate (score −∞, reason "non-finite");
/// a message whose score is not finite (the float32 products of the inner product overflowed;
/// reason "score overflow"); a message whose score is below the threshold. Staleness is not used
/// by the rule (a max-staleness drop is the protocol's job).</para>
/// <para>Determinism: inner products and norms use <see cref="DetVec"/>; stateful (g_r and its
/// version), one instance per simulation; <see cref="Reset"/> forgets g_r. No allocation per call.</para>
/// </remarks>
internal sealed class ZenoPlusPlusRule : IAsyncAggregator
{
    public const string CanonicalName = "zenopp";

    /// <summary>The paper's name, accepted as an alias by the registry.</summary>
    public const string PaperName = "zeno++";

    public static readonly ComponentInfo Info = new(
        CanonicalName, "Zeno++ (alias zeno++): accept a message iff its first-order validation descent score passes; g_r refreshed every k server versions",
        "Xie, Koyejo, Gupta, ICML 2020 / arXiv 1903.07020 (form=plain); reference code xcgoner/iclr2020_zeno_async (form=reference)",
        "any number of Byzantine messages; needs the server's validation oracle",
        [
            new("rho", "number ≥ 0", "0.001", "weight ρ of the ‖u‖² penalty (‖u‖ before rescaling)"),
            new("eps", "number", "0.1", "ε: reference accepts iff γ⟨u',g_r⟩ − ρ‖u‖² + γε ≥ 0; plain iff γ⟨g_r,u⟩ − ρ‖u‖² ≥ ε"),
            new("k", "int ≥ 1", "10", "refresh g_r when the server version advanced by ≥ k since the last refresh"),
            new("form", "reference|plain", "reference", "reference: rescale u to ‖g_r‖ and apply the rescaled u'; plain: no rescaling"),
            new("refresh", "versions|messages", "versions", "what k counts: server versions (paper; can stall when every message is rejected) or scored messages (reference code)"),
        ]);

    private readonly ZenoPlusPlusOptions _options;
    private float[] _validationGradient = [];
    private double _validationSquaredNorm;
    private long _refreshedAt;
    private long _messagesSinceRefresh;
    private bool _hasGradient;

    public ZenoPlusPlusRule(ZenoPlusPlusOptions options) => _options = options;

    public static IAsyncAggregator Create(SpecParameters p)
    {
        double rho = p.GetDouble("rho", 0.001, min: 0);
        double eps = p.GetDouble("eps", 0.1, double.NegativeInfinity, double.PositiveInfinity);
        int k = p.GetInt("k", 10, min: 1);
        var form = p.GetChoice("form", "reference", "reference", "plain") == "reference" ? ZenoPlusPlusForm.Reference : ZenoPlusPlusForm.Plain;
        var refresh = p.GetChoice("refresh", "versions", "versions", "messages") == "versions" ? ZenoPlusPlusRefresh.Versions : ZenoPlusPlusRefresh.Messages;
        return new ZenoPlusPlusRule(new ZenoPlusPlusOptions(rho, eps, k, form, refresh));
    }

    public string Spec => _options.ToSpec();

    public bool UsesValidation => true;

    /// <summary>Server version at which g_r was last computed (−1 before the first).</summary>
    internal long RefreshedAt => _hasGradient ? _refreshedAt : -1;

    public void Reset()
    {
        _hasGradient = false;
        _refreshedAt = 0;
        _messagesSinceRefresh = 0;
        _validationSquaredNorm = 0;
    }

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        ReadOnlySpan<float> u = message.Payload.Span;
        int d = u.Length;
        if (d == 0) throw new SimByzException("zeno++: empty message");
        if (update.Length != d) throw new ArgumentException($"zeno++: update has length {update.Length}, expected d = {d}", nameof(update));
        var oracle = ZenoRule.RequireOracle(context, d, "zeno++");
        double gamma = ZenoRule.RequireLearningRate(context, "zeno++");
        Refresh(oracle, context);

        if (!Guard.IsFinite(u))
        {
            update.Clear();
            return AsyncDecision.Reject(double.NegativeInfinity, "non-finite values in the message");
        }

        ReadOnlySpan<float> g = _validationGradient.AsSpan(0, d);
        double squares = DetVec.SquaredNorm(u);
        double score;
        bool accepted;
        if (_options.Form == ZenoPlusPlusForm.Reference)
        {
            if (squares > 0 && _validationSquaredNorm > 0)
            {
                float scale = (float)Math.Sqrt(_validationSquaredNorm / squares);
                TensorPrimitives.Multiply(u, scale, update);
            }
            else
            {
                update.Clear();
            }
            score = gamma * DetVec.Dot(update, g) - _options.Rho * squares + gamma * _options.Epsilon;
            accepted = score >= 0;
        }
        else
        {
            score = gamma * DetVec.Dot(g, u) - _options.Rho * squares;
            accepted = score >= _options.Epsilon;
            if (accepted && double.IsFinite(score)) u.CopyTo(update);
        }

        if (!double.IsFinite(score))
        {
            update.Clear();
            return AsyncDecision.Reject(score, "score overflow (the message is too large to score in float32)");
        }
        if (!accepted)
        {
            update.Clear();
            string threshold = _options.Form == ZenoPlusPlusForm.Reference ? "0" : _options.Epsilon.ToString("R", CultureInfo.InvariantCulture);
            return AsyncDecision.Reject(score, string.Create(CultureInfo.InvariantCulture, $"score {score:G6} below the threshold {threshold}"));
        }
        return AsyncDecision.Accept(score);
    }

    private void Refresh(IValidationOracle oracle, AggregationContext context)
    {
        long version = context.Round;
        if (_hasGradient)
        {
            bool due = _options.Refresh == ZenoPlusPlusRefresh.Messages
                ? ++_messagesSinceRefresh >= _options.RefreshInterval
                : version - _refreshedAt >= _options.RefreshInterval;
            if (!due) return;
        }
        _messagesSinceRefresh = 0;
        int d = context.Model.Length;
        if (_validationGradient.Length != d) _validationGradient = new float[d];
        oracle.LossAndGradient(context.Model.Span, _validationGradient);
        _validationSquaredNorm = DetVec.SquaredNorm(_validationGradient);
        _refreshedAt = version;
        _hasGradient = true;
    }
}
