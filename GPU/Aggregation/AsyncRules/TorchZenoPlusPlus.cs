using System.Globalization;
using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.AsyncRules;

/// <summary>
/// Tensor twin of <c>zenopp</c> / <c>zeno++:rho,eps,k,form,refresh</c> (Xie, Koyejo, Gupta, ICML 2020):
/// the first-order validation descent score of each message against a validation gradient g_r kept on the
/// device and refreshed every k server versions (<c>refresh=versions</c>) or scored messages
/// (<c>refresh=messages</c>).
/// </summary>
/// <remarks>
/// <para>As the managed rule (<see cref="ZenoPlusPlusForm"/>): <c>reference</c> rescales u to u' = u·‖g_r‖/‖u‖
/// (scale in float64, applied in float32), score = γ⟨u', g_r⟩ − ρ‖u‖² + γε, accepted iff ≥ 0, applies u';
/// <c>plain</c>: score = γ⟨g_r, u⟩ − ρ‖u‖², accepted iff ≥ ε, applies u. Non-finite messages score −∞; a
/// non-finite score is rejected as an overflow. g_r comes from the server's validation oracle on the host.</para>
/// <para>Agreement: scores within relative 1e-6 of the largest term; the decision is the same unless the
/// score is that close to its threshold (near tie); the update within relative 1e-6 (the scale ‖g_r‖/‖u‖ is
/// formed from sums in torch's order).</para>
/// </remarks>
internal sealed class TorchZenoPlusPlus(ZenoPlusPlusOptions options) : ITensorAsyncRule
{
    private float[] _host = [];
    private Tensor? _validationGradient;
    private double _validationSquaredNorm;
    private long _refreshedAt;
    private long _messagesSinceRefresh;
    private bool _hasGradient;

    public static TorchZenoPlusPlus Create(SpecParameters p)
    {
        double rho = p.GetDouble("rho", 0.001, min: 0);
        double eps = p.GetDouble("eps", 0.1, double.NegativeInfinity, double.PositiveInfinity);
        int k = p.GetInt("k", 10, min: 1);
        var form = p.GetChoice("form", "reference", "reference", "plain") == "reference" ? ZenoPlusPlusForm.Reference : ZenoPlusPlusForm.Plain;
        var refresh = p.GetChoice("refresh", "versions", "versions", "messages") == "versions" ? ZenoPlusPlusRefresh.Versions : ZenoPlusPlusRefresh.Messages;
        return new(new ZenoPlusPlusOptions(rho, eps, k, form, refresh));
    }

    public string Spec => options.ToSpec();

    public bool UsesValidation => true;

    public TensorDecision Decide(Tensor u, AsyncMessage message, TensorCall call)
    {
        int d = (int)u.shape[0];
        if (d == 0) throw new SimByzException("zeno++: empty message");
        var context = call.Context;
        var oracle = AsyncTensorOps.RequireOracle(context, d, "zeno++");
        double gamma = AsyncTensorOps.RequireLearningRate(context, "zeno++");
        Refresh(oracle, context, call.Device);
        if (!AsyncTensorOps.AllFinite(u)) return new(AsyncDecision.Reject(double.NegativeInfinity, "non-finite values in the message"), null);

        var g = _validationGradient!;
        double squares = AsyncTensorOps.SquaredNorm(u);
        double score;
        bool accepted;
        Tensor update;
        if (options.Form == ZenoPlusPlusForm.Reference)
        {
            update = squares > 0 && _validationSquaredNorm > 0
                ? u.mul((float)Math.Sqrt(_validationSquaredNorm / squares))
                : zeros_like(u);
            score = gamma * AsyncTensorOps.Dot(update, g) - options.Rho * squares + gamma * options.Epsilon;
            accepted = score >= 0;
        }
        else
        {
            update = u;
            score = gamma * AsyncTensorOps.Dot(g, u) - options.Rho * squares;
            accepted = score >= options.Epsilon;
        }
        if (!double.IsFinite(score)) return new(AsyncDecision.Reject(score, "score overflow (the message is too large to score in float32)"), null);
        if (!accepted)
        {
            string threshold = options.Form == ZenoPlusPlusForm.Reference ? "0" : options.Epsilon.ToString("R", CultureInfo.InvariantCulture);
            return new(AsyncDecision.Reject(score, string.Create(CultureInfo.InvariantCulture, $"score {score:G6} below the threshold {threshold}")), null);
        }
        return new(AsyncDecision.Accept(score), update);
    }

    public void Reset()
    {
        _hasGradient = false;
        _refreshedAt = 0;
        _messagesSinceRefresh = 0;
        _validationSquaredNorm = 0;
    }

    public void Release()
    {
        Reset();
        _validationGradient?.Dispose();
        _validationGradient = null;
    }

    private void Refresh(IValidationOracle oracle, AggregationContext context, Device device)
    {
        long version = context.Round;
        if (_hasGradient)
        {
            bool due = options.Refresh == ZenoPlusPlusRefresh.Messages
                ? ++_messagesSinceRefresh >= options.RefreshInterval
                : version - _refreshedAt >= options.RefreshInterval;
            if (!due) return;
        }
        _messagesSinceRefresh = 0;
        int d = context.Model.Length;
        if (_host.Length != d) _host = new float[d];
        oracle.LossAndGradient(context.Model.Span, _host);
        var g = AsyncTensorOps.ToDevice(_host, device);
        _validationGradient?.Dispose();
        _validationGradient = g.DetachFromDisposeScope();
        _validationSquaredNorm = AsyncTensorOps.SquaredNorm(g);
        _refreshedAt = version;
        _hasGradient = true;
    }
}
