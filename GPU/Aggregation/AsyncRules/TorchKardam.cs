using System.Globalization;
using SimByz.Aggregation;
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
    private readonly int _n, _f;
    private readonly string _damping;
    private readonly double _beta;
    private readonly Dictionary<int, (Tensor Gradient, Tensor Model)> _last = [];
    private readonly List<double> _coefficients = [];

    private TorchKardam(int n, int f, string damping, double beta)
    {
        if (n > 0 && n < 3 * f + 1) throw new SimByzException($"kardam: needs n ≥ 3f + 1 (n = {n}, f = {f})");
        _n = n;
        _f = f;
        _damping = damping;
        _beta = beta;
    }

    public static TorchKardam Create(SpecParameters p, AggregatorBuildContext context)
    {
        int n = p.GetInt("n", 0, min: 0);
        int f = p.GetInt("f", Math.Max(0, context.DeclaredByzantine), min: 0);
        string damping = p.GetChoice("damping", "exp", "exp", "inverse", "none");
        double beta = p.GetDouble("beta", 1.0, min: 0);
        return new(n, f, damping, beta);
    }

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"kardam:n={_n},f={_f},damping={_damping}{(_damping == "exp" ? $",beta={_beta:R}" : "")}");

    /// <summary>The coefficients seen so far, ascending (for tests).</summary>
    internal IReadOnlyList<double> Coefficients => _coefficients;

    private double Dampening(long staleness) => _damping switch
    {
        "exp" => DetMath.Exp(-_beta * Math.Max(0, staleness)),
        "inverse" => 1.0 / (1.0 + Math.Max(0, staleness)),
        _ => 1.0,
    };

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

    private double Quantile()
    {
        int m = _coefficients.Count;
        int n = _n > 0 ? _n : Math.Max(1, _last.Count);
        long rank = ((long)m * (n - _f) + n - 1) / n;
        return _coefficients[(int)Math.Clamp(rank, 1, m) - 1];
    }
}
