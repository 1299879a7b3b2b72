using SimByz.Scheduler;

namespace SimByz.Simulator.Data.Partitioning;

/// <summary>
/// Splits a training set into test, validation and worker shards, deterministically from one stream
/// (purpose <see cref="StreamPurpose.Partition"/>).
/// </summary>
/// <remarks>
/// <para>Procedure. (1) A Fisher–Yates shuffle of 0..N−1; its first T rows are the test split, the
/// next V the validation set (T, V resolved from their <see cref="SplitSize"/> against N); the rest,
/// in shuffled order, is the pool (M rows) cut among the n workers by the scheme:</para>
/// <list type="bullet">
/// <item><b>iid</b>: contiguous chunks of the shuffled pool, sizes ⌊M/n⌋ + 1 for the first M mod n
/// workers and ⌊M/n⌋ for the others.</item>
/// <item><b>dirichlet, variant=hsu</b> (Hsu et al. 2019; default): worker sizes as iid; p_c = share
/// of class c in the pool; the pool is split into per-class queues (pool order). For each worker in
/// order 0..n−1: draw q ~ Dir(α·p) (one Gamma(α·p_c) draw per class present, in class order; Gamma by
/// Marsaglia–Tsang, with the U^{1/a} boost for a &lt; 1, in log space so tiny α cannot underflow to an
/// all-zero vector); then for each of its rows draw one uniform u and pick the class c with
/// remaining rows by inverse CDF of q restricted to those classes (if q puts no mass on any of them,
/// of their remaining counts), and take the next row of that class's queue. α → ∞ tends to IID,
/// α → 0 to one class per worker; the last workers may get classes their q does not favour once the
/// favoured queues are exhausted (the total is fixed).</item>
/// <item><b>dirichlet, variant=per-class</b> (Yurochkin et al. 2019; NIID-Bench <c>noniid-labeldir</c>):
/// for each class c in order, draw w ~ Dir_n(α) over the workers and cut the class's queue at
/// ⌊(w_0 + … + w_i)·|class|⌋; if some worker has fewer than <c>min-size</c> rows, redraw everything
/// (the stream continues), at most 1000 attempts, then fail with a clear error.</item>
/// <item><b>shards</b> (McMahan et al. 2017): sort the pool by label (stable, so rows of one label stay
/// in shuffled order), cut it into S = n·k contiguous shards of near-equal size (the first M mod S
/// one row larger), shuffle the shard indices, worker i takes shards i·k..i·k+k−1. With balanced
/// classes whose size is a multiple of the shard size each worker sees at most k labels.</item>
/// </list>
/// <para>Workers without data (<see cref="DataHolders.Honest"/>: the Byzantine workers) take no part: the scheme
/// runs as above for the h workers that hold data, the j-th of them in worker order taking the j-th shard, and
/// the others get an empty shard. Without such workers the procedure and its draws are exactly the above.</para>
/// <para>Dirichlet and shards need class labels. Every worker that holds data must end with at least one row. Thread-safe
/// (no state); deterministic from the stream.</para>
/// </remarks>
public static class Partitioner
{
    private const int MaxAttempts = 1000;

    /// <summary>Splits <paramref name="data"/> for <paramref name="workers"/> workers.</summary>
    /// <param name="data">The training set.</param>
    /// <param name="workers">n.</param>
    /// <param name="spec">The scheme.</param>
    /// <param name="validation">The server's validation split.</param>
    /// <param name="test">The test split (for sources without a test set).</param>
    /// <param name="rng">The partition stream.</param>
    /// <param name="withoutData">Per worker, true when it holds no rows (<see cref="DataHolders.Honest"/>); null: every worker holds data.</param>
    /// <exception cref="SimByzException">Too few rows for the requested sizes, or a label scheme on regression data.</exception>
    public static DataPartition Split(Dataset data, int workers, PartitionSpec spec, SplitSize validation, SplitSize test, RandomStream rng,
        IReadOnlyList<bool>? withoutData = null)
    {
        if (workers < 1) throw new SimByzException($"partition '{spec}': workers={workers} is invalid: expected at least 1");
        if (withoutData is not null && withoutData.Count != workers) throw new ArgumentException($"{withoutData.Count} flags for {workers} workers", nameof(withoutData));
        int holders = workers;
        if (withoutData is not null) foreach (bool none in withoutData) if (none) holders--;
        if (holders < 1) throw new SimByzException($"partition '{spec}': no worker holds data");
        int n = data.Count;
        int t = test.Resolve(n), v = validation.Resolve(n);
        long pool = (long)n - t - v;
        if (pool < holders)
        {
            throw new SimByzException($"partition '{spec}': {n} training rows minus {t} test and {v} validation leave {Math.Max(pool, 0)} for {holders} workers (need at least one each)");
        }
        if (spec.Scheme != PartitionScheme.Iid && data.Labels is null)
        {
            throw new SimByzException($"partition '{spec}' splits by class label, but the data is regression (no labels); use iid");
        }
        if (spec.Scheme == PartitionScheme.Shards && pool < (long)holders * spec.ShardsPerWorker)
        {
            throw new SimByzException($"partition '{spec}': {pool} rows cannot make {holders}×{spec.ShardsPerWorker} non-empty shards");
        }
        var perm = DatasetOps.AllRows(n);
        rng.Shuffle(perm.AsSpan());
        int[] testRows = Sorted(perm.AsSpan(0, t));
        int[] validationRows = Sorted(perm.AsSpan(t, v));
        var rest = perm.AsSpan(t + v);
        int[][] shards = spec.Scheme switch
        {
            PartitionScheme.Iid => Iid(rest, holders),
            PartitionScheme.Shards => Shards(rest, data, holders, spec.ShardsPerWorker, rng),
            _ when spec.Variant == DirichletVariant.Hsu => DirichletHsu(rest, data, holders, spec.Alpha, rng),
            _ => DirichletPerClass(rest, data, holders, spec, rng),
        };
        foreach (int[] s in shards) Array.Sort(s);
        if (holders < workers)
        {
            var all = new int[workers][];
            int next = 0;
            for (int i = 0; i < workers; i++) all[i] = withoutData![i] ? [] : shards[next++];
            shards = all;
        }
        return new DataPartition(testRows, validationRows, shards);
    }

    private static int[] Sorted(ReadOnlySpan<int> rows)
    {
        int[] a = rows.ToArray();
        Array.Sort(a);
        return a;
    }

    private static int[] EqualSizes(int total, int parts)
    {
        var sizes = new int[parts];
        int q = total / parts, r = total % parts;
        for (int i = 0; i < parts; i++) sizes[i] = q + (i < r ? 1 : 0);
        return sizes;
    }

    private static int[][] Iid(ReadOnlySpan<int> pool, int workers)
    {
        int[] sizes = EqualSizes(pool.Length, workers);
        var shards = new int[workers][];
        int at = 0;
        for (int i = 0; i < workers; i++)
        {
            shards[i] = pool.Slice(at, sizes[i]).ToArray();
            at += sizes[i];
        }
        return shards;
    }

    /// <summary>The pool's rows grouped by label, each group in pool order.</summary>
    private static int[][] ByClass(ReadOnlySpan<int> pool, Dataset data)
    {
        int[] labels = data.Labels!;
        var counts = new int[data.ClassCount];
        foreach (int r in pool) counts[labels[r]]++;
        var groups = new int[data.ClassCount][];
        for (int c = 0; c < groups.Length; c++) groups[c] = new int[counts[c]];
        var fill = new int[data.ClassCount];
        foreach (int r in pool)
        {
            int c = labels[r];
            groups[c][fill[c]++] = r;
        }
        return groups;
    }

    private static int[][] Shards(ReadOnlySpan<int> pool, Dataset data, int workers, int k, RandomStream rng)
    {
        int[][] groups = ByClass(pool, data);
        var sorted = new int[pool.Length];
        int at = 0;
        foreach (int[] g in groups)
        {
            g.CopyTo(sorted, at);
            at += g.Length;
        }
        int count = workers * k;
        int[] sizes = EqualSizes(sorted.Length, count);
        var starts = new int[count];
        for (int s = 1; s < count; s++) starts[s] = starts[s - 1] + sizes[s - 1];
        var order = DatasetOps.AllRows(count);
        rng.Shuffle(order.AsSpan());
        var shards = new int[workers][];
        for (int i = 0; i < workers; i++)
        {
            int total = 0;
            for (int j = 0; j < k; j++) total += sizes[order[i * k + j]];
            var rows = new int[total];
            int w = 0;
            for (int j = 0; j < k; j++)
            {
                int s = order[i * k + j];
                Array.Copy(sorted, starts[s], rows, w, sizes[s]);
                w += sizes[s];
            }
            shards[i] = rows;
        }
        return shards;
    }

    private static int[][] DirichletHsu(ReadOnlySpan<int> pool, Dataset data, int workers, double alpha, RandomStream rng)
    {
        int[][] groups = ByClass(pool, data);
        int classes = groups.Length;
        int[] sizes = EqualSizes(pool.Length, workers);
        var next = new int[classes];
        var concentration = new double[classes];
        for (int c = 0; c < classes; c++) concentration[c] = alpha * groups[c].Length / pool.Length;
        var q = new double[classes];
        var shards = new int[workers][];
        for (int i = 0; i < workers; i++)
        {
            Dirichlet.Sample(concentration, q, rng);
            var rows = new int[sizes[i]];
            for (int slot = 0; slot < rows.Length; slot++)
            {
                double mass = 0;
                long remainingTotal = 0;
                for (int c = 0; c < classes; c++)
                {
                    int left = groups[c].Length - next[c];
                    if (left > 0)
                    {
                        mass += q[c];
                        remainingTotal += left;
                    }
                }
                double u = rng.NextDouble();
                int chosen = -1, lastAvailable = -1;
                if (mass > 0)
                {
                    double target = u * mass, acc = 0;
                    for (int c = 0; c < classes; c++)
                    {
                        if (groups[c].Length - next[c] == 0) continue;
                        lastAvailable = c;
                        acc += q[c];
                        if (target < acc)
                        {
                            chosen = c;
                            break;
                        }
                    }
                }
                else
                {
                    double target = u * remainingTotal, acc = 0;
                    for (int c = 0; c < classes; c++)
                    {
                        int left = groups[c].Length - next[c];
                        if (left == 0) continue;
                        lastAvailable = c;
                        acc += left;
                        if (target < acc)
                        {
                            chosen = c;
                            break;
                        }
                    }
                }
                if (chosen < 0) chosen = lastAvailable; // rounding at the top end of the CDF
                rows[slot] = groups[chosen][next[chosen]++];
            }
            shards[i] = rows;
        }
        return shards;
    }

    private static int[][] DirichletPerClass(ReadOnlySpan<int> pool, Dataset data, int workers, PartitionSpec spec, RandomStream rng)
    {
        int[][] groups = ByClass(pool, data);
        var concentration = new double[workers];
        Array.Fill(concentration, spec.Alpha);
        var w = new double[workers];
        var cuts = new int[groups.Length][];
        for (int c = 0; c < groups.Length; c++) cuts[c] = new int[workers];
        var sizes = new int[workers];
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            Array.Clear(sizes);
            for (int c = 0; c < groups.Length; c++)
            {
                Dirichlet.Sample(concentration, w, rng);
                int len = groups[c].Length, previous = 0;
                double cumulative = 0;
                for (int i = 0; i < workers; i++)
                {
                    cumulative += w[i];
                    int end = i == workers - 1 ? len : Math.Clamp((int)(cumulative * len), previous, len);
                    cuts[c][i] = end - previous;
                    sizes[i] += end - previous;
                    previous = end;
                }
            }
            int min = int.MaxValue;
            foreach (int s in sizes) min = Math.Min(min, s);
            if (min < spec.MinSize) continue;
            var shards = new int[workers][];
            var fill = new int[workers];
            for (int i = 0; i < workers; i++) shards[i] = new int[sizes[i]];
            for (int c = 0; c < groups.Length; c++)
            {
                int at = 0;
                for (int i = 0; i < workers; i++)
                {
                    Array.Copy(groups[c], at, shards[i], fill[i], cuts[c][i]);
                    fill[i] += cuts[c][i];
                    at += cuts[c][i];
                }
            }
            return shards;
        }
        throw new SimByzException(
            $"partition '{spec}': after {MaxAttempts} draws some worker still had fewer than {spec.MinSize} rows " +
            $"({pool.Length} rows, {workers} workers); raise alpha, lower min-size, or use variant=hsu");
    }
}
