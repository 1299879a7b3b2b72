using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;


namespace SimByz.Simulator.Traces;

/// <summary>The outcome of <see cref="CounterfactualReplay.Run"/>.</summary>
/// <param name="Scenario">The scenario re-run (the recorded one with the new defence and attack).</param>
/// <param name="Results">The new run's results (a bounded sample of evaluation points, the last included; metrics.csv has them all).</param>
/// <param name="Comparison">The recorded defences' final metrics, then the new one's.</param>
/// <param name="ArrivalsCompared">Arrivals whose time, message and worker matched the recorded first defence's.</param>
/// <param name="TimingMismatch">The first arrival that did not match (null when all compared matched).</param>
public sealed record CounterfactualResult(Scenario Scenario, IReadOnlyList<RunResult> Results,
    IReadOnlyList<ComparisonRow> Comparison, long ArrivalsCompared, string? TimingMismatch);
