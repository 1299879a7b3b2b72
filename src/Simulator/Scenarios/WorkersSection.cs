namespace SimByz.Simulator.Scenarios;

/// <summary>The workers: count, minibatch size, default delay models and per-worker overrides, availability windows.</summary>
public sealed record WorkersSection(int Count, int BatchSize, string Compute, string Network,
    IReadOnlyList<WorkerOverride> Overrides, IReadOnlyList<AvailabilityWindow> Availability);
