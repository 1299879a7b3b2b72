using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using SimByz.Aggregation;
using SimByz.Aggregation.Rules;

namespace SimByz.Attacks;

/// <summary>
/// Shared checks and reductions of the attacks: shape validation, the rows that stand for "what
/// the honest workers send", and coordinate-wise mean and standard deviation.
/// </summary>
/// <remarks>
/// Reductions over rows run coordinate by coordinate in float64, rows in index order, so every
/// coordinate's sum is the same sequence of IEEE additions whatever the machine. The loops process
/// 8 coordinates at a time with <see cref="Vector256{T}"/> (per-lane IEEE operations, emulated
/// identically when the hardware lacks them; multiply and add never fused), which changes which
/// coordinates are computed together but not any coordinate's result. The single rounding to
/// float32 happens when the statistic is stored.
/// </remarks>
internal static class AttackMath
{
    /// <summary>Checks the context against <paramref name="output"/> and returns d.</summary>
    public static int CheckShape(AttackContext context, ReadOnlySpan<float> output, string attack)
    {
        ArgumentNullException.ThrowIfNull(context);
        int q = context.ByzantineCount;
        if (q < 0) throw new ArgumentException($"{attack}: ByzantineCount is {q}, expected ≥ 0", nameof(context));
        int d = context.Dimension > 0 ? context.Dimension : context.Honest.Dimension;
        if (context.Honest.Dimension != d)
        {
            throw new ArgumentException($"{attack}: honest rows have length {context.Honest.Dimension}, expected d = {d}", nameof(context));
        }
        if (context.OwnGradients is { } own && (own.Dimension != d || own.Count != q))
        {
            throw new ArgumentException($"{attack}: OwnGradients is {own.Count}×{own.Dimension}, expected {q}×{d} (one row per Byzantine row)", nameof(context));
        }
        if (output.Length != (long)q * d)
        {
            throw new ArgumentException($"{attack}: output has {output.Length} values, expected {q}×{d}", nameof(output));
        }
        return d;
    }

    /// <summary>
    /// The rows an attack that needs honest information reads: the honest rows when there is at
    /// least one, else the Byzantine workers' own gradients (the non-omniscient estimate of Baruch
    /// et al.), else null (no information at all: such attacks send zero rows).
    /// </summary>
    public static GradientBatch? Reference(AttackContext context)
    {
        if (context.Honest.Count > 0) return context.Honest;
        if (context.OwnGradients is { Count: > 0 } own) return own;
        return null;
    }

    /// <summary>Coordinate-wise mean of <paramref name="rows"/> into <paramref name="mean"/>: per coordinate, the rows'
    /// values added in float64 in row order from 0, divided by h, rounded to float32.</summary>
    /// <remarks>With 512-bit vectors, the Mean rule's <see cref="MeanKernel"/> (the same arithmetic) on both cores;
    /// else <see cref="MeanBlocked"/>: in blocks of <see cref="MeanBlock"/> coordinates (each block's sums stay in the L1 cache while
    /// every row adds to them), the division and rounding eight lanes at a time: each coordinate sees the same
    /// operations in the same order as one pass per row over all of d, so the same bits at any block size or vector
    /// width.</remarks>
    public static void Mean(GradientBatch rows, Span<float> mean, ref double[] scratch)
    {
        if (MeanKernel.IsSupported && rows.Count > 0)
        {
            // The Mean rule's kernel: the same arithmetic (float64 sums from +0 in row order, one division, one
            // rounding), so the same bits, on both cores (its chunks follow d and where row 0 lies; no sum spans two).
            (t_meanKernel ??= new MeanKernel()).Run(rows, mean);
            return;
        }
        MeanBlocked(rows, mean, ref scratch);
    }

    /// <summary><see cref="Mean"/> on one thread, in blocks of <see cref="MeanBlock"/> coordinates (the path without
    /// 512-bit vectors; the same bits).</summary>
    internal static void MeanBlocked(GradientBatch rows, Span<float> mean, ref double[] scratch)
    {
        int h = rows.Count, d = rows.Dimension;
        Span<double> acc = Grow(ref scratch, Math.Min(d, MeanBlock));
        ReadOnlySpan<float> data = rows.Data;
        double inv = h;
        var divisor = Vector256.Create(inv);
        for (int from = 0; from < d; from += MeanBlock)
        {
            int len = Math.Min(MeanBlock, d - from);
            var block = acc[..len];
            block.Clear();
            for (int i = 0; i < h; i++) AddRow(data.Slice(i * d + from, len), block);
            var target = mean.Slice(from, len);
            int j = 0;
            for (; j <= len - 8; j += 8)
            {
                var lo = Vector256.Create((ReadOnlySpan<double>)block.Slice(j, 4)) / divisor;
                var hi = Vector256.Create((ReadOnlySpan<double>)block.Slice(j + 4, 4)) / divisor;
                Vector256.Narrow(lo, hi).CopyTo(target.Slice(j, 8));
            }
            for (; j < len; j++) target[j] = (float)(block[j] / inv);
        }
    }

    [ThreadStatic]
    private static MeanKernel? t_meanKernel;

    /// <summary>Coordinates per block of <see cref="Mean"/> (8 KB of float64 sums).</summary>
    internal const int MeanBlock = 1024;

    /// <summary>
    /// Coordinate-wise mean and standard deviation of <paramref name="rows"/>: population
    /// (divide by h) or sample (divide by h − 1; 0 when h = 1). Two passes in float64.
    /// </summary>
    public static void MeanAndStd(GradientBatch rows, bool sample, Span<float> mean, Span<float> std, ref double[] scratch)
    {
        int h = rows.Count, d = rows.Dimension;
        Span<double> all = Grow(ref scratch, 2 * d);
        Span<double> mu = all[..d], ss = all[d..(2 * d)];
        Accumulate(rows, mu);
        for (int j = 0; j < d; j++) mu[j] /= h;
        ss.Clear();
        ReadOnlySpan<float> data = rows.Data;
        for (int i = 0; i < h; i++) AddSquaredDeviations(data.Slice(i * d, d), mu, ss);
        double denominator = sample ? h - 1 : h;
        for (int j = 0; j < d; j++)
        {
            mean[j] = (float)mu[j];
            std[j] = denominator <= 0 ? 0f : (float)Math.Sqrt(ss[j] / denominator);
        }
    }

    /// <summary>Writes <paramref name="row"/> into each of the <paramref name="count"/> rows of <paramref name="output"/>.</summary>
    public static void FillRows(Span<float> output, ReadOnlySpan<float> row, int count)
    {
        int d = row.Length;
        for (int k = 0; k < count; k++) row.CopyTo(output.Slice(k * d, d));
    }

    /// <summary>dst = factor · src, element-wise in float32 (no order, so any vector width agrees).</summary>
    public static void Scale(ReadOnlySpan<float> src, float factor, Span<float> dst) => TensorPrimitives.Multiply(src, factor, dst);

    /// <summary>A float buffer of at least <paramref name="length"/>, grown (never shrunk) on demand.</summary>
    public static Span<float> Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>A double buffer of at least <paramref name="length"/>, grown (never shrunk) on demand.</summary>
    public static Span<double> Grow(ref double[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new double[length];
        return buffer.AsSpan(0, length);
    }

    private static void Accumulate(GradientBatch rows, Span<double> acc)
    {
        int h = rows.Count, d = rows.Dimension;
        acc.Clear();
        ReadOnlySpan<float> data = rows.Data;
        for (int i = 0; i < h; i++) AddRow(data.Slice(i * d, d), acc);
    }

    /// <summary>acc_j += (double)row_j for every j.</summary>
    private static void AddRow(ReadOnlySpan<float> row, Span<double> acc)
    {
        int d = row.Length, blocks = d & ~7;
        for (int j = 0; j < blocks; j += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Create(row.Slice(j, 8)));
            (Vector256.Create((ReadOnlySpan<double>)acc.Slice(j, 4)) + lo).CopyTo(acc.Slice(j, 4));
            (Vector256.Create((ReadOnlySpan<double>)acc.Slice(j + 4, 4)) + hi).CopyTo(acc.Slice(j + 4, 4));
        }
        for (int j = blocks; j < d; j++) acc[j] += row[j];
    }

    /// <summary>ss_j += ((double)row_j − mu_j)² for every j (square and sum as separate roundings).</summary>
    private static void AddSquaredDeviations(ReadOnlySpan<float> row, ReadOnlySpan<double> mu, Span<double> ss)
    {
        int d = row.Length, blocks = d & ~7;
        for (int j = 0; j < blocks; j += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Create(row.Slice(j, 8)));
            var devLo = lo - Vector256.Create(mu.Slice(j, 4));
            var devHi = hi - Vector256.Create(mu.Slice(j + 4, 4));
            var sqLo = devLo * devLo;
            var sqHi = devHi * devHi;
            (Vector256.Create((ReadOnlySpan<double>)ss.Slice(j, 4)) + sqLo).CopyTo(ss.Slice(j, 4));
            (Vector256.Create((ReadOnlySpan<double>)ss.Slice(j + 4, 4)) + sqHi).CopyTo(ss.Slice(j + 4, 4));
        }
        for (int j = blocks; j < d; j++)
        {
            double dev = row[j] - mu[j];
            double sq = dev * dev;
            ss[j] += sq;
        }
    }
}
