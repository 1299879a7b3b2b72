namespace SimByz.Simulator.Sweeps;

/// <summary>What the store holds for the runs a sweep (or a shard of it) is asked for: counts, not the runs.</summary>
/// <param name="Asked">Number of runs asked for.</param>
/// <param name="Pending">Asked-for runs without a trusted stored file (to compute).</param>
/// <param name="PendingCost">Their summed estimated cost (<see cref="SweepPlan.CostOf"/>).</param>
/// <param name="FirstPending">The first pending runs' grid indices, in grid order (at most <see cref="SweepRunner.ListedPending"/>).</param>
/// <param name="Invalid">Stored files not trusted (to be recomputed), with the grid index and the reason, in grid order
/// (damaged or hand-edited files: at most <see cref="SweepRunner.ListedInvalid"/> are listed).</param>
/// <param name="InvalidCount">Number of stored files not trusted.</param>
public sealed record SweepStatus(int Asked, int Pending, long PendingCost, IReadOnlyList<int> FirstPending,
    IReadOnlyList<(int Index, string Reason)> Invalid, int InvalidCount)
{
    /// <summary>Asked-for runs the store already holds.</summary>
    public int Cached => Asked - Pending;
}
