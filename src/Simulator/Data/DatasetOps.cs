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
        for (int i = 0; i < rows.Length; i++) data.Example(rows[i]).CopyTo(features.AsSpan(i * f, f));
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

/// <summary>A data source's output: a training set and, when the source has one, its own test set.</summary>
/// <param name="Train">The training data (partitioned into validation and worker shards).</param>
/// <param name="Test">The source's held-out test set, or null (then a test set is split off the training data).</param>
/// <param name="Description">What was loaded, e.g. "fashion-mnist: 60000 train, 10000 test, 784 features, 10 classes".</param>
public sealed record LoadedData(Dataset Train, Dataset? Test, string Description);

/// <summary>
/// A size given as a count (an integer ≥ 0) or as a fraction of a total (a number in (0, 1)),
/// written <c>500</c> or <c>0.05</c>.
/// </summary>
/// <remarks>A fraction resolves to ⌊fraction·total⌋ (at least 1 when the fraction is positive and total ≥ 1).</remarks>
public readonly record struct SplitSize
{
    private SplitSize(int count, double fraction)
    {
        Count = count;
        Fraction = fraction;
    }

    /// <summary>The count, when given as a count (else 0).</summary>
    public int Count { get; }

    /// <summary>The fraction, when given as a fraction (else 0).</summary>
    public double Fraction { get; }

    /// <summary>True for the empty size (count 0).</summary>
    public bool IsZero => Count == 0 && Fraction == 0;

    /// <summary>No rows.</summary>
    public static SplitSize None => default;

    /// <summary>Exactly <paramref name="count"/> rows.</summary>
    public static SplitSize Of(int count)
    {
        if (count < 0) throw new SimByzException($"size {count} is invalid: expected a count ≥ 0 or a fraction in (0, 1)");
        return new(count, 0);
    }

    /// <summary>A fraction in (0, 1) of the total.</summary>
    public static SplitSize OfFraction(double fraction)
    {
        if (!(fraction > 0 && fraction < 1)) throw new SimByzException($"size {fraction} is invalid: a fraction must be in (0, 1)");
        return new(0, fraction);
    }

    /// <summary>Parses <c>500</c> (a count) or <c>0.05</c> (a fraction); <paramref name="what"/> names the field in errors.</summary>
    public static SplitSize Parse(string text, string what)
    {
        string s = (text ?? "").Trim();
        if (int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count)) return Of(count);
        if (double.TryParse(s, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out double f) && f > 0 && f < 1)
        {
            return new(0, f);
        }
        throw new SimByzException($"{what} '{text}' is invalid: expected a count (integer ≥ 0) or a fraction in (0, 1), e.g. 500 or 0.05");
    }

    /// <summary>The number of rows out of <paramref name="total"/>.</summary>
    public int Resolve(int total)
    {
        if (Fraction > 0)
        {
            int n = (int)(Fraction * total);
            return total >= 1 && n == 0 ? 1 : n;
        }
        return Count;
    }

    public override string ToString()
        => Fraction > 0 ? Fraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
