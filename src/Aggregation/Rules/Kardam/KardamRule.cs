using System.Globalization;
using System.Numerics.Tensors;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Kardam (Damaskinos, El Mhamdi, Guerraoui, Patra, Taziki, "Asynchronous Byzantine Machine
/// Learning (the case of SGD)", ICML 2018): a Lipschitz filter followed by a staleness-aware
/// dampening of the accepted updates.
/// </summary>
/// <remarks>
/// <para><b>Lipschitz filter.</b> For a message of worker p arriving at server model x(t), whose
/// previous message g_p(t_prev) arrived at server model x(t_prev), the empirical Lipschitz
/// coefficient is k_p = ‖g_p(t) − g_p(t_prev)‖ / ‖x(t) − x(t_prev)‖ (both models are the server's
/// models at the arrivals, <see cref="AggregationContext.Model"/>, as in the paper's Algorithm 1).
/// k_p joins the set K of every coefficient computed so far, and the message is accepted iff
/// k_p ≤ the (n − f)/n quantile of K (nearest rank: the ⌈m·(n − f)/n⌉-th smallest of the m values).
/// Honest workers sample the true smoothness of the loss; a Byzantine worker that wants a large
/// step must show a large coefficient, which at most a fraction f/n of the coefficients can be.</para>
/// <para>n defaults to 0, read as the number of distinct workers heard from so far (the server
/// learns n as workers send; every worker sends within its first iteration); with fewer than f + 1
/// workers heard the rank is clamped to 1 (only the smallest coefficient passes).</para>
/// <para><b>Undefined coefficients (named choice).</b> A worker's first message, and a message that
/// arrives at the same server model as the worker's previous one (‖x(t) − x(t_prev)‖ = 0), have no
/// coefficient: they are accepted without joining K (the warm-up the paper leaves implicit). The
/// worker's last gradient and model are remembered for every message, accepted or not.</para>
/// <para><b>Dampening.</b> An accepted update u is applied as Λ(τ)·u, τ the message's staleness:
/// <c>damping=exp</c> (default, the paper's exponential dampening Λ(τ) = e^{−βτ}), <c>damping=inverse</c>
/// (Λ(τ) = 1/(1 + τ)) or <c>damping=none</c>.</para>
/// <para><b>Tolerance.</b> The paper's guarantee needs n ≥ 3f + 1 (f &lt; n/3). Non-finite messages
/// are rejected (score +∞) and leave the worker's state unchanged.</para>
/// <para>Deterministic: norms use <see cref="DetVec"/> (fixed summation order); K is kept sorted
/// (binary insertion, O(m) per message). Stateful (per worker: its last gradient and model;
/// the coefficients K, growing by one double per scored message); one instance per simulation, not
/// thread-safe. <see cref="Reset"/> forgets everything.</para>
/// </remarks>
internal sealed class KardamRule : IAsyncAggregator
{
    public static readonly ComponentInfo Info = new(
        "kardam", "Kardam: accept a message iff its empirical Lipschitz coefficient is within the (n − f)/n quantile of those seen; damp by Λ(staleness)",
        "Damaskinos et al., ICML 2018 (Lipschitz filter; exponential dampening e^{−βτ}, damping=exp)",
        "f < n/3 Byzantine workers (n ≥ 3f + 1)",
        [
            new("n", "int ≥ 0", "0", "number of workers n; 0: the number of distinct workers heard from so far"),
            new("f", "int ≥ 0", "q", "number of Byzantine workers tolerated; accept k ≤ the (n − f)/n quantile"),
            new("damping", "exp|inverse|none", "exp", "Λ(τ): e^{−βτ} (paper), 1/(1 + τ), or 1"),
            new("beta", "number ≥ 0", "1", "β of the exponential dampening"),
        ]);

    private readonly int _n, _f;
    private readonly string _damping;
    private readonly double _beta;
    private readonly Dictionary<int, (float[] Gradient, float[] Model)> _last = [];
    // K kept sorted (binary insertion): the quantile is one index, not a sort per message.
    private readonly List<double> _coefficients = [];

    private KardamRule(int n, int f, string damping, double beta)
    {
        if (n > 0 && n < 3 * f + 1) throw new SimByzException($"kardam: needs n ≥ 3f + 1 (n = {n}, f = {f})");
        _n = n;
        _f = f;
        _damping = damping;
        _beta = beta;
    }

    public static IAsyncAggregator Create(SpecParameters p, AggregatorBuildContext context)
    {
        int n = p.GetInt("n", 0, min: 0);
        int f = p.GetInt("f", Math.Max(0, context.DeclaredByzantine), min: 0);
        string damping = p.GetChoice("damping", "exp", "exp", "inverse", "none");
        double beta = p.GetDouble("beta", 1.0, min: 0);
        return new KardamRule(n, f, damping, beta);
    }

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"kardam:n={_n},f={_f},damping={_damping}{(_damping == "exp" ? $",beta={_beta:R}" : "")}");

    /// <summary>The declared worker count n (0: the workers seen so far).</summary>
    internal int N => _n;

    /// <summary>The Byzantine count f the quantile excludes.</summary>
    internal int F => _f;

    /// <summary>The (n − f)/n quantile of the coefficients seen so far (NaN before the first).</summary>
    internal double Threshold => _coefficients.Count == 0 ? double.NaN : Quantile();

    public void Reset()
    {
        _last.Clear();
        _coefficients.Clear();
    }

    /// <summary>Λ(τ) of the configured dampening.</summary>
    internal double Dampening(long staleness) => _damping switch
    {
        "exp" => DetMath.Exp(-_beta * Math.Max(0, staleness)),
        "inverse" => 1.0 / (1.0 + Math.Max(0, staleness)),
        _ => 1.0,
    };

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        ReadOnlySpan<float> g = message.Payload.Span;
        int d = g.Length;
        if (update.Length != d) throw new ArgumentException($"kardam: update has length {update.Length}, expected d = {d}", nameof(update));
        ReadOnlySpan<float> x = context.Model.Span;
        if (x.Length != d) throw new SimByzException("kardam needs the server's current model (it runs inside a simulation)");
        if (!Guard.IsFinite(g))
        {
            update.Clear();
            return AsyncDecision.Reject(double.PositiveInfinity, "non-finite values in the message");
        }

        double k = double.NaN;
        if (_last.TryGetValue(message.WorkerId, out var last))
        {
            double dx = Math.Sqrt(DetVec.SquaredDistance(x, last.Model));
            if (dx > 0) k = Math.Sqrt(DetVec.SquaredDistance(g, last.Gradient)) / dx;
        }
        else
        {
            last = (new float[d], new float[d]);
            _last[message.WorkerId] = last;
        }
        g.CopyTo(last.Gradient);
        x.CopyTo(last.Model);

        if (!double.IsNaN(k))
        {
            int at = _coefficients.BinarySearch(k);
            _coefficients.Insert(at < 0 ? ~at : at, k);
            double threshold = Quantile();
            if (!(k <= threshold))
            {
                update.Clear();
                return AsyncDecision.Reject(k, string.Create(CultureInfo.InvariantCulture, $"Lipschitz coefficient {k:G6} above the (n − f)/n quantile {threshold:G6}"));
            }
        }
        double lambda = Dampening(message.Staleness);
        if (lambda == 1.0) g.CopyTo(update);
        else TensorPrimitives.Multiply(g, (float)lambda, update);
        return AsyncDecision.Accept(k);
    }

    private double Quantile() => Quantile(_coefficients, _n, _f, _last.Count);

    /// <summary>The (n − f)/n quantile of <paramref name="sorted"/> (ascending, not empty): the ⌈m(n − f)/n⌉-th
    /// smallest of its m values, n the declared worker count, else the workers seen so far (<paramref name="seen"/>).
    /// Shared with the torch twin.</summary>
    internal static double Quantile(List<double> sorted, int declaredN, int f, int seen)
    {
        int m = sorted.Count;
        // Nearest rank ⌈m(n − f)/n⌉, in integers so that no rounding moves the rank.
        int n = declaredN > 0 ? declaredN : Math.Max(1, seen);
        long rank = ((long)m * (n - f) + n - 1) / n;
        return sorted[(int)Math.Clamp(rank, 1, m) - 1];
    }
}
