using System.Globalization;
using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.AsyncRules;

/// <summary>
/// Tensor twin of <c>fedasync:alpha,s,a,b,window</c> (Xie, Koyejo, Gupta, arXiv 1903.03934): the mixing
/// x ← (1 − α_s)x + α_s·x_client, α_s = α·s(τ), written as the update α_s·((x − x_v) + γ_v·u)/γ with
/// x_client = x_v − γ_v·u, x_v and γ_v the server's model and learning rate at the version the client read.
/// </summary>
/// <remarks>
/// <para>As the managed rule: the rule records the server's model (on the device) and γ at each decision's
/// version and keeps the last <c>window</c> versions; a message that read an older one is rejected ("read
/// model no longer kept"); every other message is mixed in (non-finite ones too); the score is α_s, from
/// <see cref="DetMath.Pow"/> on the host, as the managed rule computes it.</para>
/// <para>The update is formed per coordinate in float32 in the managed rule's order ((x − x_v) + γ_v·u)·(α_s/γ),
/// so it agrees bit for bit unless torch fuses a multiply-add; stated agreement: relative 1e-6 per coordinate
/// of max(|x|, |x_v|, |γ_v·u|).</para>
/// </remarks>
internal sealed class TorchFedAsync(FedAsyncRule parameters) : ITensorAsyncRule
{
    private readonly Dictionary<long, (Tensor Model, double Gamma)> _history = [];
    private readonly double _alpha = parameters.Alpha;
    private readonly int _window = parameters.Window;

    /// <summary>Parsed, checked and described by the managed rule, whose s(τ) it uses: one definition of the variants.</summary>
    public static TorchFedAsync Create(SpecParameters p) => new((FedAsyncRule)FedAsyncRule.Create(p));

    public string Spec => parameters.Spec;

    /// <summary>s(τ), the managed rule's.</summary>
    private double StalenessWeight(long staleness) => parameters.StalenessWeight(staleness);

    public TensorDecision Decide(Tensor g, AsyncMessage message, TensorCall call)
    {
        long d = g.shape[0];
        var context = call.Context;
        if (context.Model.Length != d) throw new SimByzException("fedasync needs the server's current model (it runs inside a simulation)");
        double gamma = AsyncTensorOps.RequireLearningRate(context, "fedasync");
        var x = AsyncTensorOps.ToDevice(context.Model.Span, call.Device);
        Record(context.Round, x, gamma);

        double alphaS = _alpha * StalenessWeight(message.Staleness);
        if (!_history.TryGetValue(message.ModelVersion, out var read))
        {
            return new(AsyncDecision.Reject(alphaS, string.Create(CultureInfo.InvariantCulture,
                $"read model (version {message.ModelVersion}) no longer kept: older than window = {_window} versions")), null);
        }
        float gammaRead = (float)read.Gamma;
        float scale = (float)(alphaS / gamma);
        var update = (x - read.Model).add(g.mul(gammaRead)).mul(scale);
        return new(AsyncDecision.Accept(alphaS), update);
    }

    public void Reset()
    {
        foreach (var (model, _) in _history.Values) model.Dispose();
        _history.Clear();
    }

    private void Record(long version, Tensor x, double gamma)
    {
        if (!_history.ContainsKey(version)) _history[version] = (x.clone().DetachFromDisposeScope(), gamma);
        // Versions are dense; drop the one that just left the window (and any gap, after a Reset).
        long oldest = version - _window;
        if (_history.Count <= _window + 1) return;
        var stale = _history.Keys.Where(v => v < oldest).ToList();
        foreach (long v in stale)
        {
            _history[v].Model.Dispose();
            _history.Remove(v);
        }
    }
}
