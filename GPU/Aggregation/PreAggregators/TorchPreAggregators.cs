using System.Globalization;
using SimByz.Aggregation.Registry;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.PreAggregators;

/// <summary>
/// Tensor twin of <c>bucketing:s</c> (Karimireddy, He, Jaggi, ICLR 2022): the rows are shuffled and
/// the means of consecutive buckets of s rows (the last bucket may be smaller) are passed on, ⌈n/s⌉ rows.
/// </summary>
/// <remarks>The permutation is drawn on the host from the same <see cref="RandomStream"/> the managed
/// pre-aggregator uses (derived from the run's seed, purpose <see cref="StreamPurpose.PreAggregation"/>,
/// a fresh Fisher–Yates shuffle per call), so both backends bucket identically; torch's own generator
/// is not used. Bucket means in float64, rounded once. Non-finite rows propagate into their bucket.</remarks>
internal sealed class TorchBucketing(int s, ulong seed) : ITensorPreAggregator
{
    private readonly RandomStream _stream = RandomStreams.Derive(seed, StreamPurpose.PreAggregation);

    public static TorchBucketing Create(SpecParameters p, AggregatorBuildContext ctx) => new(p.GetInt("s", 2, 1), ctx.Seed);

    public string Spec => $"bucketing:s={s}";

    public Tensor Transform(Tensor x, TensorCall call)
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
            for (int t = start; t < end; t++) weights[perm[t]] = 1.0;
            means[k] = TensorOps.WeightedSum(x, tensor(weights, device: call.Device), end - start);
        }
        return stack(means);
    }
}

/// <summary>
/// Tensor twin of <c>nnm:f</c>, nearest-neighbour mixing (Allouah et al., AISTATS 2023; ByzFL): each
/// row is replaced by the mean of its n−f nearest rows (itself included, ties by index).
/// </summary>
/// <remarks>Needs n &gt; f. Non-finite rows are infinitely far from every other row, so a finite row
/// mixes only finite rows while n−f finite rows exist.</remarks>
internal sealed class TorchNnm(int f) : ITensorPreAggregator
{
    public static TorchNnm Create(SpecParameters p, AggregatorBuildContext ctx) => new(RuleParameters.ByzantineCount(p, ctx, "f", "nnm"));

    public string Spec => $"nnm:f={f}";

    public Tensor Transform(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= f) throw RuleParameters.Tolerance(Spec, n, "n > f");
        var distances = HostDistances.Compute(x);
        int m = n - f;
        var weights = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            foreach (int j in distances.Nearest(i, m)) weights[i * n + j] = 1.0;
        }
        var w = tensor(weights, [n, n], device: call.Device);
        // Rows of weight 0 must not contribute (0·NaN): combine row by row through the masked form.
        var result = new Tensor[n];
        for (int i = 0; i < n; i++) result[i] = TensorOps.WeightedSum(x, w[i], m);
        return stack(result);
    }
}

/// <summary>Tensor twin of <c>clipping:tau</c>: every row scaled to norm at most τ, vᵢ·min(1, τ/‖vᵢ‖).</summary>
/// <remarks>Non-finite rows stay non-finite. Norms: float32 squares summed in float64.</remarks>
internal sealed class TorchClipping(double tau) : ITensorPreAggregator
{
    public static TorchClipping Create(SpecParameters p) => new(p.GetDouble("tau", 0, double.Epsilon));

    public string Spec => $"clipping:tau={tau.ToString(CultureInfo.InvariantCulture)}";

    public Tensor Transform(Tensor x, TensorCall call)
    {
        var norm = TensorOps.SquaredNorms(x).sqrt();
        var scale = (tau / norm).clamp(max: 1.0);
        return (x.to_type(ScalarType.Float64) * scale.unsqueeze(1)).to_type(ScalarType.Float32);
    }
}

/// <summary>
/// Tensor twin of <c>arc:f</c>, adaptive robust clipping (Allouah et al., 2024): the k = ⌊2f/n·(n−f)⌋
/// rows of largest norm are clipped to the norm of the (k+1)-th largest (ties by index).
/// </summary>
/// <remarks>Non-finite rows count as the largest; their clipped value stays non-finite (it is 0·∞).</remarks>
internal sealed class TorchArc(int f) : ITensorPreAggregator
{
    public static TorchArc Create(SpecParameters p, AggregatorBuildContext ctx) => new(RuleParameters.ByzantineCount(p, ctx, "f", "arc"));

    public string Spec => $"arc:f={f}";

    public Tensor Transform(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= f) throw RuleParameters.Tolerance(Spec, n, "n > f");
        int k = 2 * f * (n - f) / n;
        if (k == 0) return x;
        double[] squared = TensorOps.ToHost(TensorOps.SquaredNorms(x));
        var norms = new double[n];
        for (int i = 0; i < n; i++) norms[i] = double.IsNaN(squared[i]) ? double.PositiveInfinity : Math.Sqrt(squared[i]);
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            int c = norms[b].CompareTo(norms[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        double threshold = k < n ? norms[order[k]] : 0;
        var scale = new double[n];
        Array.Fill(scale, 1.0);
        for (int t = 0; t < k; t++)
        {
            int i = order[t];
            scale[i] = norms[i] > threshold ? threshold / norms[i] : 1.0;
        }
        var s = tensor(scale, device: call.Device);
        return (x.to_type(ScalarType.Float64) * s.unsqueeze(1)).to_type(ScalarType.Float32);
    }
}
