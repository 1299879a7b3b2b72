using System.Globalization;
using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.AsyncRules;

/// <summary>
/// Tensor twin of <c>kardam:n,f,damping,beta</c> (Damaskinos et al., ICML 2018): the Lipschitz filter
/// k_p = ‖g_p(t) − g_p(t_prev)‖ / ‖x(t) − x(t_prev)‖ with both norms on the device, accepted iff k_p is within
/// the (n − f)/n quantile (nearest rank) of every coefficient so far; an accepted g is applied as Λ(τ)·g.
/// </summary>
/// <remarks>
/// <para>As the managed rule: each worker's last gradient and the server model at its arrival are kept on the
/// device (for every finite message, accepted or not); a worker's first message and one at an unchanged model
/// have no coefficient and are accepted without joining K; K is kept sorted on the host; n = 0 means the
/// number of workers heard from; non-finite messages are rejected (score +∞) and change nothing. Λ(τ) is
/// e^{−βτ} (<see cref="DetMath.Exp"/>), 1/(1 + τ) or 1, applied as one float32 product.</para>
/// <para>Agreement: the update bit for bit when the decision is the same; coefficients within relative 1e-6;
/// the decision is the same unless a coefficient and the quantile it is compared with are within relative
/// 1e-6 of each other without being the same coefficient (near tie).</para>
/// </remarks>
internal sealed class TorchKardam : ITensorAsyncRule
{
    // Parsed, checked and described by the managed rule, whose dampening and quantile it uses: one definition of the variants.
    private readonly KardamRule _parameters;
    private readonly Dictionary<int, (Tensor Gradient, Tensor Model)> _last = [];
    private readonly List<double> _coefficients = [];

    private TorchKardam(KardamRule parameters) => _parameters = parameters;

    public static TorchKardam Create(SpecParameters p, AggregatorBuildContext context)
        => new((KardamRule)KardamRule.Create(p, context));

    public string Spec => _parameters.Spec;

    /// <summary>The coefficients seen so far, ascending (for tests).</summary>
    internal IReadOnlyList<double> Coefficients => _coefficients;

    private double Dampening(long staleness) => _parameters.Dampening(staleness);

    public TensorDecision Decide(Tensor g, AsyncMessage message, TensorCall call)
    {
        long d = g.shape[0];
        var model = call.Context.Model;
        if (model.Length != d) throw new SimByzException("kardam needs the server's current model (it runs inside a simulation)");
        if (!AsyncTensorOps.AllFinite(g)) return new(AsyncDecision.Reject(double.PositiveInfinity, "non-finite values in the message"), null);
        var x = AsyncTensorOps.ToDevice(model.Span, call.Device);

        double k = double.NaN;
        if (_last.TryGetValue(message.WorkerId, out var last))
        {
            double dx = Math.Sqrt(AsyncTensorOps.SquaredDistance(x, last.Model));
            if (dx > 0) k = Math.Sqrt(AsyncTensorOps.SquaredDistance(g, last.Gradient)) / dx;
            last.Gradient.copy_(g);
            last.Model.copy_(x);
        }
        else
        {
            _last[message.WorkerId] = (g.clone().DetachFromDisposeScope(), x.clone().DetachFromDisposeScope());
        }

        if (!double.IsNaN(k))
        {
            int at = _coefficients.BinarySearch(k);
            _coefficients.Insert(at < 0 ? ~at : at, k);
            double threshold = Quantile();
            if (!(k <= threshold))
            {
                return new(AsyncDecision.Reject(k, string.Create(CultureInfo.InvariantCulture, $"Lipschitz coefficient {k:G6} above the (n − f)/n quantile {threshold:G6}")), null);
            }
        }
        double lambda = Dampening(message.Staleness);
        return new(AsyncDecision.Accept(k), lambda == 1.0 ? g : g.mul((float)lambda));
    }

    public void Reset()
    {
        foreach (var (gradient, model) in _last.Values)
        {
            gradient.Dispose();
            model.Dispose();
        }
        _last.Clear();
        _coefficients.Clear();
    }

    private double Quantile() => KardamRule.Quantile(_coefficients, _parameters.N, _parameters.F, _last.Count);
}
