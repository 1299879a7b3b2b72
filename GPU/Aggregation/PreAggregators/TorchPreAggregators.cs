using System.Globalization;
using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.PreAggregators;

/// <summary>
/// Tensor twin of <c>bucketing:s</c> (Karimireddy, He, Jaggi, ICLR 2022): the rows are shuffled and
/// the means of consecutive buckets of s rows (the last bucket may be smaller) are passed on, ⌈n/s⌉ rows.
/// </summary>
/// <remarks>The permutation is drawn on the host from the same stream as the managed pre-aggregator
/// (<c>RandomStreams.Derive(seed, StreamPurpose.PreAggregation, 0)</c>, a fresh Fisher–Yates shuffle of
/// 0..n−1 per call, re-derived by <see cref="Reset"/>), so both backends bucket identically; torch's own
/// generator is not used. Bucket means in float64, rounded once; non-finite rows propagate into their
/// bucket. Default s = 2.</remarks>
internal sealed class TorchBucketing(int s, ulong seed) : ITensorPreAggregator
{
    private RandomStream _stream = RandomStreams.Derive(seed, StreamPurpose.PreAggregation, 0);

    public static TorchBucketing Create(SpecParameters p, AggregatorBuildContext ctx) => new(p.GetInt("s", defaultValue: 2, min: 1), ctx.Seed);

    public string Spec => $"bucketing:s={s}";

    public void Reset() => _stream = RandomStreams.Derive(seed, StreamPurpose.PreAggregation, 0);

    public Tensor Transform(Tensor x, TensorCall call, Span<int> origin, Span<double> share)
    {
        int n = (int)x.shape[0];
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        _stream.Shuffle(perm.AsSpan());
        int buckets = (n + s - 1) / s;
        var means = new Tensor[buckets];
        for (int k = 0; k < buckets; k++)
        {
            int start = k * s, end = Math.Min(n, start + s);
            var weights = new double[n];
            for (int t = start; t < end; t++)
            {
                weights[perm[t]] = 1.0;
                origin[perm[t]] = k;
                share[perm[t]] = 1.0 / (end - start);
            }
            means[k] = TensorOps.WeightedSum(x, tensor(weights, device: call.Device), end - start);
        }
        return stack(means);
    }
}

/// <summary>
/// Tensor twin of <c>nnm:f</c>, nearest-neighbour mixing (Allouah et al., AISTATS 2023; ByzFL): each
/// row is replaced by the mean of its n−f nearest rows (itself first, then ties by index).
/// </summary>
/// <remarks>Needs n &gt; f. Non-finite rows are infinitely far from every other row, so a finite row
/// mixes only finite rows (all of them if fewer than n−f are finite); a non-finite row is passed
/// through unchanged, as in the managed pre-aggregator.</remarks>
internal sealed class TorchNnm(int f) : ITensorPreAggregator
{
    public static TorchNnm Create(SpecParameters p, AggregatorBuildContext ctx) => new(RuleParameters.ByzantineCount(p, ctx, "f", "nnm"));

    public string Spec => $"nnm:f={f}";

    public Tensor Transform(Tensor x, TensorCall call, Span<int> origin, Span<double> share)
    {
        int n = (int)x.shape[0];
        if (n <= f) throw RuleParameters.Tolerance(Spec, n, "n > f");
        var distances = HostDistances.Compute(x);
        int finiteCount = n - distances.NonFiniteCount;
        var result = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            origin[i] = i;
            share[i] = 1.0;
            if (distances.NonFinite[i])
            {
                result[i] = x[i];
                continue;
            }
            int m = Math.Min(n - f, finiteCount);
            var weights = new double[n];
            foreach (int j in distances.Nearest(i, m)) weights[j] = 1.0;
            result[i] = TensorOps.WeightedSum(x, tensor(weights, device: call.Device), m);
        }
        return stack(result);
    }
}

/// <summary>Tensor twin of <c>clipping:tau</c>: every row scaled to norm at most τ, vᵢ·min(1, τ/‖vᵢ‖).</summary>
/// <remarks><c>tau</c> is required. Rows with a non-finite norm pass through unchanged. Norms: float32
/// squares summed in float64; scaling in float64, one rounding.</remarks>
internal sealed class TorchClipping(double tau) : ITensorPreAggregator
{
    public static TorchClipping Create(SpecParameters p) => new(p.RequireDouble("tau", min: double.Epsilon));

    public string Spec => FormattableString.Invariant($"clipping:tau={tau:R}");

    public Tensor Transform(Tensor x, TensorCall call, Span<int> origin, Span<double> share)
    {
        Identity(origin, share);
        var norm = TensorOps.SquaredNorms(x).sqrt();
        var scale = (tau / norm).clamp(max: 1.0).masked_fill(norm.isfinite().logical_not(), 1.0);
        return TensorOps.ScaleRows(x, scale);
    }

    internal static void Identity(Span<int> origin, Span<double> share)
    {
        for (int i = 0; i < origin.Length; i++)
        {
            origin[i] = i;
            share[i] = 1.0;
        }
    }
}

/// <summary>
/// Tensor twin of <c>arc:f</c>, adaptive robust clipping (Allouah et al., NeurIPS 2024; ByzFL ARC): the
/// k = ⌊2f(n−f)/n⌋ rows of largest norm are clipped to the norm of the (k+1)-th largest (norm ties:
/// the lower index counts as larger).
/// </summary>
/// <remarks>Needs n &gt; 2f. Rows with a non-finite norm rank largest and pass through unchanged; if
/// the (k+1)-th largest norm is non-finite no finite row is clipped.</remarks>
internal sealed class TorchArc(int f) : ITensorPreAggregator
{
    public static TorchArc Create(SpecParameters p, AggregatorBuildContext ctx) => new(RuleParameters.ByzantineCount(p, ctx, "f", "arc"));

    public string Spec => $"arc:f={f}";

    public Tensor Transform(Tensor x, TensorCall call, Span<int> origin, Span<double> share)
    {
        int n = (int)x.shape[0];
        if (n <= 2 * f) throw RuleParameters.Tolerance(Spec, n, "n > 2f");
        TorchClipping.Identity(origin, share);
        int k = 2 * f * (n - f) / n;
        if (k == 0) return x;
        double[] squared = TensorOps.ToHost(TensorOps.SquaredNorms(x));
        var norms = new double[n];
        for (int i = 0; i < n; i++) norms[i] = double.IsFinite(squared[i]) ? Math.Sqrt(squared[i]) : double.PositiveInfinity;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            int c = norms[b].CompareTo(norms[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        double threshold = norms[order[k]];
        var scale = new double[n];
        Array.Fill(scale, 1.0);
        if (double.IsFinite(threshold))
        {
            for (int t = 0; t < k; t++)
            {
                int i = order[t];
                if (double.IsFinite(norms[i]) && norms[i] > threshold) scale[i] = threshold / norms[i];
            }
        }
        return TensorOps.ScaleRows(x, tensor(scale, device: call.Device));
    }
}
