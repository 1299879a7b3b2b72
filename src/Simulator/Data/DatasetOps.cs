using SimByz.Scheduler;

namespace SimByz.Simulator.Data;

/// <summary>Copies and transforms of <see cref="Dataset"/>s (one-time work at task build, not hot paths).</summary>
public static class DatasetOps
{
    /// <summary>A new dataset holding <paramref name="rows"/> of <paramref name="data"/>, in that order.</summary>
    public static Dataset Select(this Dataset data, ReadOnlySpan<int> rows)
    {
        int f = data.FeatureCount;
        var features = new float[(long)rows.Length * f];
        data.CopyRows(rows, features); // a byte dataset's rows without making all its floats
        if (data.Labels is { } labels)
        {
            var l = new int[rows.Length];
            for (int i = 0; i < rows.Length; i++) l[i] = labels[rows[i]];
            return new Dataset(features, rows.Length, f, l, data.ClassCount);
        }
        var t = new float[rows.Length];
        for (int i = 0; i < rows.Length; i++) t[i] = data.Targets![rows[i]];
        return new Dataset(features, rows.Length, f, null, 0, t);
    }

    /// <summary>The rows 0, 1, …, <paramref name="count"/> − 1.</summary>
    public static int[] AllRows(int count)
    {
        var rows = new int[count];
        for (int i = 0; i < count; i++) rows[i] = i;
        return rows;
    }

    /// <summary>
    /// The rows a <c>limit</c> keeps: all when <paramref name="limit"/> is 0 or ≥ count; else the
    /// first <paramref name="limit"/> (<paramref name="seeded"/> false), or a uniformly random subset
    /// of that size (a Fisher–Yates shuffle of 0..count−1 from <paramref name="rng"/>, its first
    /// <paramref name="limit"/> entries, sorted ascending so the original order is kept).
    /// </summary>
    public static int[] LimitRows(int count, int limit, bool seeded, RandomStream rng)
    {
        if (limit <= 0 || limit >= count) return AllRows(count);
        var rows = AllRows(count);
        if (!seeded) return rows[..limit];
        rng.Shuffle(rows.AsSpan());
        var kept = rows[..limit];
        Array.Sort(kept);
        return kept;
    }

    /// <summary>
    /// Global standardization: with μ and σ the mean and (population) standard deviation of every
    /// feature value of <paramref name="reference"/> (float64, in index order), maps each value v of
    /// each dataset in place to (float)((v − μ)/σ). σ = 0 leaves the values centred only.
    /// </summary>
    /// <returns>(μ, σ).</returns>
    public static (double Mean, double StdDev) StandardizeInPlace(Dataset reference, params Dataset?[] apply)
    {
        float[] v = reference.Features;
        double mean = DetVec.Sum(v) / v.Length, ss = 0;
        for (int i = 0; i < v.Length; i++)
        {
            double d = v[i] - mean;
            ss += d * d;
        }
        double sd = Math.Sqrt(ss / v.Length);
        double inv = sd > 0 ? 1.0 / sd : 1.0;
        foreach (var data in apply)
        {
            if (data is null) continue;
            float[] x = data.Features;
            for (int i = 0; i < x.Length; i++) x[i] = (float)((x[i] - mean) * inv);
        }
        return (mean, sd);
    }
}
