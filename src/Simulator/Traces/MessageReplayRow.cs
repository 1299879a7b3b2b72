using SimByz.Scheduler;
using SimByz.Simulator.Scenarios;

using SimByz.Simulator.Composition;

namespace SimByz.Simulator.Traces;

/// <summary>What another defence would have done with one recorded aggregation's messages.</summary>
/// <param name="Round">The recorded round (sync) or buffer number (async).</param>
/// <param name="TimeNs">When the recorded aggregation (or the buffer's last arrival) happened.</param>
/// <param name="Inputs">Message ids fed, in recorded order.</param>
/// <param name="Byzantine">Which of them came from Byzantine workers.</param>
/// <param name="Selected">Ids the replayed rule selected (all inputs when it reports no selection).</param>
/// <param name="DistanceToHonestMean">‖output − mean of the honest inputs‖₂ (NaN when the round had no honest input).</param>
/// <param name="ByzantineLetIn">Byzantine ids among <paramref name="Selected"/>.</param>
/// <param name="RecordedByzantineApplied">Byzantine messages of this round the recorded defence applied.</param>
public sealed record MessageReplayRow(long Round, long TimeNs, IReadOnlyList<long> Inputs, IReadOnlyList<bool> Byzantine,
    IReadOnlyList<long> Selected, double DistanceToHonestMean, IReadOnlyList<long> ByzantineLetIn, int RecordedByzantineApplied);
