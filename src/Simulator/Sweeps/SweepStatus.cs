using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Sweeps;

/// <summary>What the store holds for the runs a sweep (or a shard of it) is asked for.</summary>
/// <param name="Results">Trusted stored results by grid index (null: not stored, or not asked for).</param>
/// <param name="Pending">Grid indices of the asked-for runs to compute, in grid order.</param>
/// <param name="Invalid">Stored files not trusted (to be recomputed), with the grid index and the reason.</param>
/// <param name="Asked">Number of runs asked for.</param>
public sealed record SweepStatus(IReadOnlyList<RunResult?> Results, IReadOnlyList<int> Pending, IReadOnlyList<(int Index, string Reason)> Invalid, int Asked)
{
    /// <summary>Asked-for runs the store already holds.</summary>
    public int Cached => Asked - Pending.Count;
}
