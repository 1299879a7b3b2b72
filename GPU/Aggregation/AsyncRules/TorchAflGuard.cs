using System.Globalization;
using SimByz.Aggregation;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.AsyncRules;

/// <summary>
/// Tensor twin of <c>aflguard:lambda</c> (Fang et al., ACSAC 2022, g_s at the server's current model,
/// <c>at=current</c>): accept a client update g iff ‖g − g_s‖ ≤ λ‖g_s‖, both norms on the device; an accepted
/// g is applied unchanged.
/// </summary>
/// <remarks>
/// <para>g_s comes from the server's validation oracle on the host (one call per decision, before anything
/// else, as the managed rule, so a sampling oracle draws the same batches) and is moved to the device.
/// Non-finite messages are rejected (score +∞); the score is ‖g − g_s‖/‖g_s‖.</para>
/// <para>Agreement: the update is g itself (bit for bit); the score within relative 1e-6; the decision is
/// the same unless ‖g − g_s‖ and λ‖g_s‖ are within relative 1e-6 of each other (near tie).</para>
/// </remarks>
internal sealed class TorchAflGuard(double lambda) : ITensorAsyncRule
{
    private float[] _serverGradient = [];

    public static TorchAflGuard Create(SpecParameters p)
    {
        double lambda = p.GetDouble("lambda", 1.5, min: 0);
        if (!(lambda > 0) || !double.IsFinite(lambda)) throw new SimByzException($"aflguard: lambda must be a finite number > 0 (got {lambda})");
        return new(lambda);
    }

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"aflguard:lambda={lambda:R}");

    public bool UsesValidation => true;

    public TensorDecision Decide(Tensor g, AsyncMessage message, TensorCall call)
    {
        int d = (int)g.shape[0];
        if (d == 0) throw new SimByzException("aflguard: empty message");
        var oracle = AsyncTensorOps.RequireOracle(call.Context, d, "aflguard");
        if (_serverGradient.Length != d) _serverGradient = new float[d];
        oracle.LossAndGradient(call.Context.Model.Span, _serverGradient);
        if (!AsyncTensorOps.AllFinite(g)) return new(AsyncDecision.Reject(double.PositiveInfinity, "non-finite values in the message"), null);
        var gs = AsyncTensorOps.ToDevice(_serverGradient, call.Device);
        double distance = Math.Sqrt(AsyncTensorOps.SquaredDistance(g, gs));
        double norm = Math.Sqrt(AsyncTensorOps.SquaredNorm(gs));
        double bound = lambda * norm;
        double score = distance / norm;
        if (!(distance <= bound))
        {
            return new(AsyncDecision.Reject(score, string.Create(CultureInfo.InvariantCulture, $"‖g − g_s‖ = {distance:G6} > λ‖g_s‖ = {bound:G6}")), null);
        }
        return new(AsyncDecision.Accept(score), g);
    }
}
