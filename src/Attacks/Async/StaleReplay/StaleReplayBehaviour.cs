using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Attacks.Async;

/// <summary>
/// Stale replay: the Byzantine worker computes its gradient on a model several versions old, so
/// the server receives an update that was honest once but no longer is.
/// </summary>
/// <remarks>
/// <para><c>stale:versions=s,mode=fixed|uniform</c>. <c>mode=fixed</c> (default) reads version
/// max(0, v − s); <c>mode=uniform</c> reads v − U{0..s} (clamped at 0), drawn from the attack's
/// stream, as the Zeno++ reference code (xcgoner/iclr2020_zeno_async) draws every worker's model
/// version uniformly from the last max_delay + 1. Default s = 10 (a Zeno++ max-delay setting).</para>
/// <para>Source: the asynchronous threat of Zeno++ (Xie, Koyejo, Gupta, ICML 2020).</para>
/// </remarks>
internal sealed class StaleReplayBehaviour : IAsyncBehaviour
{
    public static readonly ComponentInfo Info = new(
        "stale", "compute on a model s versions old (fixed s, or uniform in 0..s)",
        "Zeno++ (Xie et al., ICML 2020) asynchronous staleness; uniform mode as xcgoner/iclr2020_zeno_async",
        "async protocols only",
        [
            new("versions", "integer ≥ 0", "10", "how many versions old the model read is (the maximum, for mode=uniform)"),
            new("mode", "fixed|uniform", "fixed", "fixed: exactly s old; uniform: 0..s old, drawn from the attack's stream"),
        ]);

    private readonly bool _uniform;

    private StaleReplayBehaviour(int versions, bool uniform)
    {
        HistoryDepth = versions;
        _uniform = uniform;
        Spec = new SpecText("stale").Add("versions", versions).Add("mode", uniform ? "uniform" : "fixed").ToString();
    }

    public static IAsyncBehaviour Create(SpecParameters p)
        => new StaleReplayBehaviour(p.GetInt("versions", 10, min: 0), p.GetChoice("mode", "fixed", "fixed", "uniform") == "uniform");

    public string Spec { get; }

    public int HistoryDepth { get; }

    public long ModelVersionToRead(long currentVersion, RandomStream rng)
    {
        long back = _uniform ? rng.NextInt(HistoryDepth + 1) : HistoryDepth;
        return Math.Max(0, currentVersion - back);
    }
}
