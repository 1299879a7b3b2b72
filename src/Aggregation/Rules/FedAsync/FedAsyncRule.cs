using System.Globalization;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// FedAsync (Xie, Koyejo, Gupta, "Asynchronous Federated Optimization", arXiv 1903.03934, 2019):
/// x ← (1 − α_s)x + α_s·x_client with α_s = α·s(τ), τ the message's staleness and s constant
/// (s = 1), polynomial (s = (τ + 1)^−a) or hinge (s = 1 if τ ≤ b, else 1/(a(τ − b) + 1)).
/// </summary>
/// <remarks>
/// <para><b>Derivation of x_client.</b> The worker read x_v (version v) under learning rate γ_v and
/// sent its step direction u, so its model after its local steps is x_client = x_v − γ_v·u (one
/// step: the gradient step; local steps: u = (x_v − x_local)/γ_v exactly). The server applies
/// x ← x − γ·update with γ its current learning rate, so the rule writes
/// update = α_s·((x − x_v) + γ_v·u)/γ, which gives x − γ·update = (1 − α_s)x + α_s·x_client (exact up
/// to float32 rounding, with server weight decay and momentum at 0, their defaults). At τ = 0 this is
/// async SGD with step α·γ.</para>
/// <para><b>Model history.</b> x_v and γ_v are the server's model and learning rate at version v. The
/// rule records them itself: the model changes only through this rule's accepted decisions, so every
/// version is current at some decision before it can be replaced, and the rule snapshots the model and
/// γ at each decision's <see cref="AggregationContext.Round"/>. It keeps the last <c>window</c> versions
/// (default 64; memory (window + 1)·d floats); a message that read an older version is rejected
/// ("read model no longer kept"), like the paper's bound on staleness. Keep window ≥ the protocol's
/// max staleness.</para>
/// <para><b>Tolerance.</b> None: every message within the window is mixed in, non-finite ones
/// included (like <c>mean</c>). Deterministic (float32 arithmetic per coordinate, α_s in float64 with
/// <see cref="DetMath.Pow"/>); stateful (the history); not thread-safe; <see cref="Reset"/> forgets the
/// history.</para>
/// </remarks>
internal sealed class FedAsyncRule : IAsyncAggregator
{
    public static readonly ComponentInfo Info = new(
        "fedasync", "FedAsync: x ← (1 − α_s)x + α_s·x_client, α_s = α·s(staleness), s constant|polynomial|hinge",
        "Xie, Koyejo, Gupta, arXiv 1903.03934 (2019); x_client = x_read − γ_read·u, the read model from the rule's own record of the versions it saw",
        "none (q = 0)",
        [
            new("alpha", "number in (0, 1]", "0.6", "mixing weight α"),
            new("s", "constant|polynomial|hinge", "constant", "staleness function s(τ)"),
            new("a", "number ≥ 0", "0.5 (polynomial), 10 (hinge)", "polynomial: s = (τ + 1)^−a; hinge: slope a"),
            new("b", "number ≥ 0", "4", "hinge: s = 1 while τ ≤ b"),
            new("window", "int ≥ 0", "64", "versions of the model kept to rebuild x_client; older reads are rejected"),
        ]);

    private readonly double _alpha, _a, _b;
    private readonly string _s;
    private readonly int _window;
    private readonly Dictionary<long, (float[] Model, double Gamma)> _history = [];
    private readonly Stack<float[]> _pool = [];

    private FedAsyncRule(double alpha, string s, double a, double b, int window)
    {
        _alpha = alpha;
        _s = s;
        _a = a;
        _b = b;
        _window = window;
    }

    public static IAsyncAggregator Create(SpecParameters p)
    {
        double alpha = p.GetDouble("alpha", 0.6, min: 0, max: 1);
        if (!(alpha > 0)) throw new SimByzException($"fedasync: alpha must be in (0, 1] (got {alpha})");
        string s = p.GetChoice("s", "constant", "constant", "polynomial", "hinge");
        double a = p.GetDouble("a", s == "hinge" ? 10 : 0.5, min: 0, max: 1e6);
        double b = p.GetDouble("b", 4, min: 0, max: 1e15);
        int window = p.GetInt("window", 64, min: 0);
        return new FedAsyncRule(alpha, s, a, b, window);
    }

    public string Spec => _s switch
    {
        "polynomial" => string.Create(CultureInfo.InvariantCulture, $"fedasync:alpha={_alpha:R},s=polynomial,a={_a:R},window={_window}"),
        "hinge" => string.Create(CultureInfo.InvariantCulture, $"fedasync:alpha={_alpha:R},s=hinge,a={_a:R},b={_b:R},window={_window}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"fedasync:alpha={_alpha:R},s=constant,window={_window}"),
    };

    /// <summary>α, the base mixing weight.</summary>
    internal double Alpha => _alpha;

    /// <summary>How many past versions of the model the rule keeps.</summary>
    internal int Window => _window;

    /// <summary>s(τ).</summary>
    internal double StalenessWeight(long staleness)
    {
        double tau = Math.Max(0, staleness);
        return _s switch
        {
            "polynomial" => DetMath.Pow(tau + 1, -_a),
            "hinge" => tau <= _b ? 1.0 : 1.0 / (_a * (tau - _b) + 1),
            _ => 1.0,
        };
    }

    public void Reset()
    {
        foreach (var (model, _) in _history.Values) _pool.Push(model);
        _history.Clear();
    }

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        ReadOnlySpan<float> u = message.Payload.Span;
        int d = u.Length;
        if (update.Length != d) throw new ArgumentException($"fedasync: update has length {update.Length}, expected d = {d}", nameof(update));
        ReadOnlySpan<float> x = context.Model.Span;
        if (x.Length != d) throw new SimByzException("fedasync needs the server's current model (it runs inside a simulation)");
        double gamma = ZenoRule.RequireLearningRate(context, "fedasync");
        Record(context.Round, x, gamma);

        double alphaS = _alpha * StalenessWeight(message.Staleness);
        if (!_history.TryGetValue(message.ModelVersion, out var read))
        {
            update.Clear();
            return AsyncDecision.Reject(alphaS, string.Create(CultureInfo.InvariantCulture,
                $"read model (version {message.ModelVersion}) no longer kept: older than window = {_window} versions"));
        }
        float gammaRead = (float)read.Gamma;
        float scale = (float)(alphaS / gamma);
        ReadOnlySpan<float> xv = read.Model;
        for (int j = 0; j < d; j++) update[j] = (x[j] - xv[j] + gammaRead * u[j]) * scale;
        return AsyncDecision.Accept(alphaS);
    }

    private void Record(long version, ReadOnlySpan<float> x, double gamma)
    {
        if (!_history.ContainsKey(version))
        {
            var copy = _pool.Count > 0 && _pool.Peek().Length == x.Length ? _pool.Pop() : new float[x.Length];
            x.CopyTo(copy);
            _history[version] = (copy, gamma);
        }
        // Versions are dense; drop the one that just left the window (and any gap, after a Reset).
        long oldest = version - _window;
        if (_history.Count > _window + 1)
        {
            var stale = new List<long>();
            foreach (long v in _history.Keys) if (v < oldest) stale.Add(v);
            stale.Sort();
            foreach (long v in stale)
            {
                _pool.Push(_history[v].Model);
                _history.Remove(v);
            }
        }
    }
}
