namespace SimByz.Simulator.Data;

/// <summary>
/// An in-memory dataset: n examples of f float32 features (row-major), with integer class labels
/// (classification, <see cref="ClassCount"/> ≥ 2) or float targets (regression, ClassCount = 0).
/// </summary>
/// <remarks>
/// Immutable. Views share arrays: <see cref="WithLabels"/> gives the same features with other labels
/// (data-level attacks poison a Byzantine worker's copy this way); subsets are expressed as row
/// index lists (see the partitioning code), not copies.
/// </remarks>
public sealed class Dataset
{
    public Dataset(float[] features, int count, int featureCount, int[]? labels, int classCount, float[]? targets = null)
    {
        if (features.Length != (long)count * featureCount)
        {
            throw new ArgumentException($"features has {features.Length} values, expected {count}×{featureCount}", nameof(features));
        }
        if (labels is not null && labels.Length != count) throw new ArgumentException("one label per example", nameof(labels));
        if (targets is not null && targets.Length != count) throw new ArgumentException("one target per example", nameof(targets));
        if ((labels is null) == (targets is null)) throw new ArgumentException("give labels (classification) or targets (regression)");
        Features = features;
        Count = count;
        FeatureCount = featureCount;
        Labels = labels;
        ClassCount = classCount;
        Targets = targets;
    }

    public float[] Features { get; }

    public int Count { get; }

    public int FeatureCount { get; }

    /// <summary>Class labels in [0, ClassCount), or null for regression.</summary>
    public int[]? Labels { get; }

    /// <summary>Number of classes; 0 for regression.</summary>
    public int ClassCount { get; }

    /// <summary>Regression targets, or null for classification.</summary>
    public float[]? Targets { get; }

    public ReadOnlySpan<float> Example(int i) => Features.AsSpan(i * FeatureCount, FeatureCount);

    /// <summary>The same features with other labels.</summary>
    public Dataset WithLabels(int[] labels) => new(Features, Count, FeatureCount, labels, ClassCount);
}
