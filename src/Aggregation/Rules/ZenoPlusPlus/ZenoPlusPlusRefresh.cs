namespace SimByz.Aggregation.Rules;

/// <summary>What the refresh interval k of Zeno++ counts.</summary>
public enum ZenoPlusPlusRefresh
{
    /// <summary>
    /// Server versions (accepted updates): g_r is recomputed when the version has advanced by ≥ k since
    /// the last refresh — the paper's wording, "every k server updates". The default. Liveness caveat:
    /// the version advances only on accepted messages, so if every message fails against a stale g_r
    /// (honest ones computed at a newer model included), g_r is never refreshed and the server stalls;
    /// seen with 8/10 sign-flipping workers on Fashion-MNIST (docs/RESULTS.md, zenopp-async).
    /// </summary>
    Versions,

    /// <summary>
    /// Messages: g_r is recomputed after every k messages the rule has scored, accepted or not — the
    /// reference code (xcgoner/iclr2020_zeno_async refreshes when its iteration counter, which counts
    /// every received message, is a multiple of k). Cannot stall: rejected messages also bring the
    /// next refresh.
    /// </summary>
    Messages,
}
