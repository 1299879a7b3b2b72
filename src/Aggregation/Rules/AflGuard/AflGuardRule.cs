using System.Globalization;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// AFLGuard (Fang, Zhang, Gong, Liu, Gong, "AFLGuard: Byzantine-robust Asynchronous Federated
/// Learning", ACSAC 2022): the server computes its own update g_s on its small trusted data set and
/// accepts a client's update g iff ‖g − g_s‖ ≤ λ‖g_s‖; an accepted g is applied unchanged.
/// </summary>
/// <remarks>
/// <para>g_s is the gradient of the server's validation batch (<see cref="AggregationContext.Oracle"/>,
/// a fresh batch per decision) at the server's <i>current</i> model <see cref="AggregationContext.Model"/>
/// — named variant <c>at=current</c>, the only one here: the paper's server may instead compute g_s
/// at the model the client read, which needs the model history; with small staleness the two agree
/// to first order. g_s is one gradient (one step); with <c>protocol</c> local steps the client's
/// message is the average step direction (x_read − x_client)/γ, comparable to one gradient.</para>
/// <para>λ (<c>lambda</c>) &gt; 0, default 1.5. Smaller λ rejects more honest updates under
/// heterogeneous data; λ ≥ 1 admits the zero update, and λ ≥ 2 admits −g_s itself.</para>
/// <para><b>Tolerance.</b> Any number of Byzantine clients (the test uses only the server's own
/// data); needs the validation oracle, and the trusted data must resemble the clients' data.
/// Non-finite messages are rejected (score +∞). The reported score is ‖g − g_s‖/‖g_s‖.</para>
/// <para>Deterministic (<see cref="DetVec"/>); keeps one d-vector buffer; not thread-safe.</para>
/// </remarks>
internal sealed class AflGuardRule : IAsyncAggregator
{
    public static readonly ComponentInfo Info = new(
        "aflguard", "AFLGuard: accept a client update g iff ‖g − g_s‖ ≤ λ‖g_s‖, g_s the server's gradient on its trusted data",
        "Fang et al., ACSAC 2022 (g_s at the server's current model: at=current)",
        "any number of Byzantine clients; needs the server's validation (trusted) data",
        [
            new("lambda", "number > 0", "1.5", "λ: accept iff ‖g − g_s‖ ≤ λ‖g_s‖"),
        ]);

    private readonly double _lambda;
    private float[] _serverGradient = [];

    private AflGuardRule(double lambda) => _lambda = lambda;

    public static IAsyncAggregator Create(SpecParameters p)
    {
        double lambda = p.GetDouble("lambda", 1.5, min: 0);
        if (!(lambda > 0) || !double.IsFinite(lambda)) throw new SimByzException($"aflguard: lambda must be a finite number > 0 (got {lambda})");
        return new AflGuardRule(lambda);
    }

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"aflguard:lambda={_lambda:R}");

    public bool UsesValidation => true;

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        ReadOnlySpan<float> g = message.Payload.Span;
        int d = g.Length;
        if (d == 0) throw new SimByzException("aflguard: empty message");
        if (update.Length != d) throw new ArgumentException($"aflguard: update has length {update.Length}, expected d = {d}", nameof(update));
        var oracle = ZenoRule.RequireOracle(context, d, "aflguard");
        if (_serverGradient.Length != d) _serverGradient = new float[d];
        oracle.LossAndGradient(context.Model.Span, _serverGradient);
        if (!Guard.IsFinite(g))
        {
            update.Clear();
            return AsyncDecision.Reject(double.PositiveInfinity, "non-finite values in the message");
        }
        double distance = Math.Sqrt(DetVec.SquaredDistance(g, _serverGradient));
        double bound = _lambda * DetVec.Norm(_serverGradient);
        double score = distance / DetVec.Norm(_serverGradient);
        if (!(distance <= bound))
        {
            update.Clear();
            return AsyncDecision.Reject(score, string.Create(CultureInfo.InvariantCulture, $"‖g − g_s‖ = {distance:G6} > λ‖g_s‖ = {bound:G6}"));
        }
        g.CopyTo(update);
        return AsyncDecision.Accept(score);
    }
}
