namespace SimByz.Simulator.Sweeps;

/// <summary>
/// Splits the runs of a plan into N shards of about equal estimated cost, deterministically, and says which
/// shard a run is in from its index alone (a Slurm array task resolves its runs without listing the grid).
/// </summary>
/// <remarks>
/// <para>The runs of one template (<see cref="SweepPlan.TemplateOf"/>: the defences × seeds of one combination)
/// cost the same. Templates are taken by estimated cost, descending, then in grid order; of a template's n runs,
/// the first n − (n mod N) in grid order are dealt round robin (run j to shard j mod N: the same cost to every
/// shard), and each of the last n mod N goes to the shard with the least cost so far (the lowest shard number on a
/// tie): greedy longest-processing-time over the remainders, so the shards' costs differ by at most one run's.</para>
/// <para>The assignment depends only on the plan (its costs and shape), never on the machine, the thread count or
/// the time, so N processes started with shards 0 … N−1 of one grid compute every run exactly once between them.
/// It keeps a shard number per remainder run (fewer than N per template) and nothing per run.</para>
/// </remarks>
public sealed class SweepShards
{
    private readonly int _count;
    private readonly int _inner;
    private readonly int _even;
    private readonly int[] _remainders;
    private readonly long[] _loads;

    private SweepShards(SweepPlan plan, int count)
    {
        _count = count;
        _inner = plan.RunsPerTemplate;
        int remainder = _inner % count;
        _even = _inner - remainder;
        int templates = plan.TemplateCount;
        _remainders = new int[(long)templates * remainder > int.MaxValue ? throw new InvalidOperationException("too many runs") : templates * remainder];
        var order = new int[templates];
        for (int t = 0; t < templates; t++) order[t] = t;
        // Template t costs CostOf(t · inner) per run; costlier templates first, then grid order.
        Array.Sort(order, (a, b) =>
        {
            int c = plan.CostOf(b * _inner).CompareTo(plan.CostOf(a * _inner));
            return c != 0 ? c : a.CompareTo(b);
        });
        _loads = new long[count];
        var least = new PriorityQueue<int, (long Load, int Shard)>();
        for (int s = 0; s < count; s++) least.Enqueue(s, (0, s));
        foreach (int t in order)
        {
            long cost = plan.CostOf(t * _inner);
            for (int k = 0; k < remainder; k++)
            {
                least.TryDequeue(out int shard, out var load);
                _remainders[t * remainder + k] = shard;
                least.Enqueue(shard, (load.Load + cost, shard));
            }
        }
        long even = 0;
        for (int t = 0; t < templates; t++) even += _even / count * plan.CostOf(t * _inner);
        while (least.TryDequeue(out int shard, out var load)) _loads[shard] = load.Load + even;
    }

    /// <summary>The assignment of the runs of <paramref name="plan"/> to <paramref name="count"/> shards.</summary>
    public static SweepShards Create(SweepPlan plan, int count)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new SweepShards(plan, count);
    }

    /// <summary>Number of shards.</summary>
    public int Count => _count;

    /// <summary>The shard (0 … <see cref="Count"/> − 1) of run <paramref name="index"/>.</summary>
    public int ShardOf(int index)
    {
        int t = index / _inner, j = index % _inner;
        return j < _even ? j % _count : _remainders[t * (_inner - _even) + j - _even];
    }

    /// <summary>The estimated cost of shard <paramref name="shard"/>'s runs.</summary>
    public long CostOf(int shard) => _loads[shard];

    /// <summary>The shard (0 … <paramref name="count"/> − 1) of every run of <paramref name="plan"/>, by grid index.</summary>
    public static int[] Assign(SweepPlan plan, int count)
    {
        var shards = Create(plan, count);
        var shardOf = new int[plan.RunCount];
        for (int i = 0; i < shardOf.Length; i++) shardOf[i] = shards.ShardOf(i);
        return shardOf;
    }

    /// <summary>The grid indices of shard <paramref name="shard"/> of <paramref name="count"/>, in grid order.</summary>
    public static IReadOnlyList<int> Of(SweepPlan plan, int shard, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, count);
        var shards = Create(plan, count);
        var result = new List<int>();
        for (int i = 0; i < plan.RunCount; i++)
        {
            if (shards.ShardOf(i) == shard) result.Add(i);
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
