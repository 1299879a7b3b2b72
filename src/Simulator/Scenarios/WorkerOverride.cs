namespace SimByz.Simulator.Scenarios;

/// <summary>Other delay models for some workers (null keeps the default).</summary>
public sealed record WorkerOverride(IReadOnlyList<int> Workers, string? Compute, string? Network);
