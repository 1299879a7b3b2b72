using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Aggregation.PreAggregators;

/// <summary>
/// Bucketing (Karimireddy, He, Jaggi, ICLR 2022, "Byzantine-robust learning on heterogeneous datasets via
/// bucketing"): shuffle the n inputs, cut them into ⌈n/s⌉ buckets of s consecutive inputs (the last one
/// smaller when s does not divide n) and pass each bucket's mean to the rule.
/// </summary>
/// <remarks>
/// <para>Randomness: a fresh Fisher–Yates permutation per call, drawn from the stream
/// <c>RandomStreams.Derive(seed, StreamPurpose.PreAggregation, 0)</c> of the build context's seed;
/// <see cref="Reset"/> re-derives the stream, so a reset rule replays the same permutations. Because of
/// the shuffle the result is not invariant under a permutation of the inputs (for a given stream state).</para>
/// <para>Bucket means: float64 sums over the bucket's members in input-index order, one rounding
/// (<see cref="RowMixing"/>). Non-finite input: a bucket holding a non-finite row is non-finite, and
/// the rule behind decides (robust rules treat it as one Byzantine vector). Parameter <c>s</c> ≥ 1,
/// default 2 (the value used by Karimireddy et al.).</para>
/// </remarks>
internal sealed class BucketingPreAggregator : IPreAggregator
{
    public static readonly ComponentInfo Info = new(
        "bucketing", "shuffle (seeded), average buckets of s inputs, pass the ⌈n/s⌉ bucket means to the rule",
        "Karimireddy, He, Jaggi, ICLR 2022", "the rule's condition on ⌈n/s⌉ inputs",
        [new("s", "integer ≥ 1", "2", "bucket size")]);

    private readonly int _s;
    private readonly ulong _seed;
    private readonly RowMixing _mixing = new();
    private RandomStream _stream;
    private int[] _permutation = [];

    private BucketingPreAggregator(int s, ulong seed)
    {
        _s = s;
        _seed = seed;
        _stream = RandomStreams.Derive(seed, StreamPurpose.PreAggregation, 0);
    }

    public static Func<IAggregator, IAggregator> Create(SpecParameters p, AggregatorBuildContext context)
    {
        int s = p.GetInt("s", defaultValue: 2, min: 1);
        return inner => new PreAggregatedRule(new BucketingPreAggregator(s, context.Seed), inner);
    }

    public string Spec => field ??= $"bucketing:s={_s}";

    public int OutputCount(int n) => n == 0 ? 0 : (n - 1) / _s + 1; // ⌈n/s⌉ without overflow for s near int.MaxValue

    public void Reset() => _stream = RandomStreams.Derive(_seed, StreamPurpose.PreAggregation, 0);

    public void Apply(GradientBatch input, float[] destination, Span<int> origin, Span<double> share)
    {
        int n = input.Count, m = OutputCount(n);
        if (_permutation.Length < n) _permutation = new int[n];
        var permutation = _permutation.AsSpan(0, n);
        for (int i = 0; i < n; i++) permutation[i] = i;
        _stream.Shuffle(permutation);
        _mixing.Prepare(m, n);
        var weights = _mixing.Weights;
        for (int b = 0; b < m; b++)
        {
            int from = b * _s, to = Math.Min(n, from + _s);
            _mixing.Denominators[b] = to - from;
            for (int k = from; k < to; k++)
            {
                int i = permutation[k];
                weights[b * n + i] = 1.0;
                origin[i] = b;
                share[i] = 1.0 / (to - from);
            }
        }
        _mixing.Compute(input, destination);
    }
}
