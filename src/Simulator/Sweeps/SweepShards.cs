namespace SimByz.Simulator.Sweeps;

/// <summary>
/// Splits the runs of a plan into N shards of about equal estimated cost, deterministically: greedy
/// longest-processing-time first over the runs sorted by cost (descending), then by run key (ordinal);
/// each run goes to the shard with the least cost so far (the lowest shard number on a tie).
/// </summary>
/// <remarks>The assignment depends only on the plan (costs and keys), never on the machine, the thread
/// count or the time, so N processes started with shards 0 … N−1 of one grid compute every run exactly
/// once between them. LPT is within 4/3 of the best possible makespan for the estimated costs.</remarks>
public static class SweepShards
{
    /// <summary>The shard (0 … <paramref name="count"/> − 1) of every run of <paramref name="plan"/>, by grid index.</summary>
    public static int[] Assign(SweepPlan plan, int count)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var order = new int[plan.RunCount];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            int c = plan.CostOf(b).CompareTo(plan.CostOf(a));
            return c != 0 ? c : string.CompareOrdinal(plan.KeyOf(a), plan.KeyOf(b));
        });
        var shardOf = new int[plan.RunCount];
        var loads = new PriorityQueue<int, (long Load, int Shard)>();
        for (int s = 0; s < count; s++) loads.Enqueue(s, (0, s));
        foreach (int run in order)
        {
            loads.TryDequeue(out int shard, out var load);
            shardOf[run] = shard;
            loads.Enqueue(shard, (load.Load + plan.CostOf(run), shard));
        }
        return shardOf;
    }

    /// <summary>The grid indices of shard <paramref name="shard"/> of <paramref name="count"/>, in grid order.</summary>
    public static IReadOnlyList<int> Of(SweepPlan plan, int shard, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, count);
        var shardOf = Assign(plan, count);
        var result = new List<int>();
        for (int i = 0; i < shardOf.Length; i++)
        {
            if (shardOf[i] == shard) result.Add(i);
        }
        return result;
    }

    /// <summary>Parses <c>K/N</c> (0 ≤ K &lt; N).</summary>
    /// <exception cref="SimByzException">Not of that form.</exception>
    public static (int Shard, int Count) Parse(string text)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && int.TryParse(text.AsSpan(0, slash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k)
            && int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n)
            && n >= 1 && k < n)
        {
            return (k, n);
        }
        throw new SimByzException($"--shard '{text}': expected K/N with 0 ≤ K < N (shards are numbered from 0, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are)");
    }
}
