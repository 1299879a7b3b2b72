using SimByz.Scheduler;

namespace SimByz.Simulator.Data.Augmentation;

/// <summary>
/// One worker's random horizontal flip (<see cref="AugmentationSpec"/>): copies a minibatch into a scratch
/// dataset, mirroring each example left–right with probability p, decided by one draw per example from the
/// worker's stream.
/// </summary>
/// <remarks>Not thread-safe (one worker's scratch); deterministic from the stream.</remarks>
internal sealed class HorizontalFlip
{
    private readonly Dataset _source;
    private readonly double _probability;
    private readonly int _channels;
    private readonly int _side;
    private readonly RandomStream _rng;
    private Dataset? _batch;
    private int[] _rows = [];

    public HorizontalFlip(AugmentationSpec spec, Dataset source, RandomStream rng)
    {
        _source = source;
        _probability = spec.Probability;
        _channels = spec.ChannelsFor(source.FeatureCount);
        _side = spec.SideFor(source.FeatureCount);
        _rng = rng;
    }

    /// <summary>The examples <paramref name="rows"/> of the source, each flipped or not, as rows 0..b−1 of the returned dataset
    /// (valid until the next call).</summary>
    public (Dataset Data, int[] Rows) Apply(ReadOnlySpan<int> rows)
    {
        int b = rows.Length, f = _source.FeatureCount;
        if (_batch is null || _batch.Count != b)
        {
            _batch = _source.Labels is not null
                ? new Dataset(new float[b * f], b, f, new int[b], _source.ClassCount)
                : new Dataset(new float[b * f], b, f, null, 0, new float[b]);
            _rows = new int[b];
            for (int i = 0; i < b; i++) _rows[i] = i;
        }
        for (int i = 0; i < b; i++)
        {
            var to = _batch.Features.AsSpan(i * f, f);
            _source.CopyExample(rows[i], to); // a byte dataset's pixels without making all its floats
            if (_rng.NextDouble() < _probability) MirrorInPlace(to, _channels, _side);
            if (_batch.Labels is { } labels) labels[i] = _source.Labels![rows[i]];
            else _batch.Targets![i] = _source.Targets![rows[i]];
        }
        return (_batch, _rows);
    }

    /// <summary>Mirrors <paramref name="image"/> (c channels of s×s, row-major) left–right in place: each image row reversed
    /// (a move of values, vectorized by the runtime).</summary>
    internal static void MirrorInPlace(Span<float> image, int channels, int side)
    {
        for (int row = 0; row < channels * side; row++) image.Slice(row * side, side).Reverse();
    }
}
