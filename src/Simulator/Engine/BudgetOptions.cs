using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>When a run stops: after <paramref name="Steps"/> server updates (sync: rounds), or at simulated
/// <paramref name="Time"/>, whichever comes first; <paramref name="MaxMessages"/> bounds async runs whose
/// rule rejects everything.</summary>
public sealed record BudgetOptions(long Steps = 100, SimTime? Time = null, long MaxMessages = 0);
