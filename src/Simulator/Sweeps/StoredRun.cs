using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Sweeps;

/// <summary>What the store holds for a run: nothing, a trusted result, or a file it does not trust (and why).</summary>
public sealed record StoredRun(RunResult? Result, string? Problem)
{
    public static StoredRun Missing { get; } = new(null, null);

    public static StoredRun Valid(RunResult result) => new(result, null);

    public static StoredRun Invalid(string reason) => new(null, reason);

    public bool IsValid => Result is not null;

    public bool IsInvalid => Problem is not null;
}
