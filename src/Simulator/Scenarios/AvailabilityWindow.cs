using SimByz.Scheduler;

namespace SimByz.Simulator.Scenarios;

/// <summary>Worker <paramref name="Worker"/> is down from <paramref name="Crash"/> until <paramref name="Recover"/> (for good when null).</summary>
public sealed record AvailabilityWindow(int Worker, SimTime Crash, SimTime? Recover);
