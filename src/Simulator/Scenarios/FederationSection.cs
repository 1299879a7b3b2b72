using SimByz.Simulator.Data;

namespace SimByz.Simulator.Scenarios;

/// <summary>
/// Federated mode (docs/SCENARIOS.md, Federated clients): <paramref name="Clients"/> clients, of which
/// <paramref name="PerRound"/> take part per round (async: are active at once), sampled uniformly without
/// replacement (<c>uniform</c>) or among those an availability trace says are available
/// (<c>availability:file=PATH</c>, <paramref name="TraceFile"/> the resolved path); <paramref name="Byzantine"/>
/// Byzantine clients, a count or a fraction of the clients.
/// </summary>
public sealed record FederationSection(int Clients, int PerRound, string Sampling, SplitSize Byzantine, string? TraceFile)
{
    /// <summary>q, the Byzantine clients: the count, or the fraction of <see cref="Clients"/> rounded to the nearest integer.</summary>
    public int ByzantineClients => Byzantine.Fraction > 0
        ? (int)Math.Round(Byzantine.Fraction * Clients, MidpointRounding.AwayFromZero)
        : Byzantine.Count;
}
