using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Simulator.Data;

/// <summary>
/// An in-memory dataset: n examples of f float32 features (row-major), with integer class labels
/// (classification, <see cref="ClassCount"/> ≥ 2) or float targets (regression, ClassCount = 0).
/// </summary>
/// <remarks>
/// Immutable in shape and labels; the features are shared, not copied: views share arrays: <see cref="WithLabels"/> gives the same features with other labels
/// (data-level attacks poison a Byzantine worker's copy this way); subsets are expressed as row
/// index lists (see the partitioning code), not copies. Image data may be kept as one byte per feature
/// (<see cref="FromBytes"/>), the floats made only when <see cref="Features"/> is asked for. The features are read-only
/// to the code that receives a dataset: views, and within a sweep every seed (the file sources' reads are shared:
/// <c>FileDataCache</c>), read the same arrays, so a transform (e.g. a source's standardization) works on a copy.
/// </remarks>
public sealed class Dataset
{
    public Dataset(float[] features, int count, int featureCount, int[]? labels, int classCount, float[]? targets = null)
        : this(new Storage(features), count, featureCount, labels, classCount, targets)
    {
        if (features.Length != (long)count * featureCount)
        {
            throw new ArgumentException($"features has {features.Length} values, expected {count}×{featureCount}", nameof(features));
        }
        if (labels is not null && labels.Length != count) throw new ArgumentException("one label per example", nameof(labels));
        if (targets is not null && targets.Length != count) throw new ArgumentException("one target per example", nameof(targets));
        if ((labels is null) == (targets is null)) throw new ArgumentException("give labels (classification) or targets (regression)");
        if (labels is not null) CheckClasses(labels, classCount);
    }

    private Dataset(Storage storage, int count, int featureCount, int[]? labels, int classCount, float[]? targets)
    {
        _storage = storage;
        Count = count;
        FeatureCount = featureCount;
        Labels = labels;
        ClassCount = classCount;
        Targets = targets;
    }

    /// <summary>
    /// A classification dataset kept as one byte per feature (e.g. image pixels), feature = <c>(float)byte / divisor</c>
    /// (one float32 division, correctly rounded): a quarter of the memory of the float32 features, which are made
    /// (once, shared by every view) only when something asks for <see cref="Features"/> or <see cref="Example"/>;
    /// <see cref="CopyExample"/> and <see cref="CopyRows"/> convert the bytes directly. The values are the same bits
    /// either way, and at any vector width (a division of exact small integers).
    /// </summary>
    /// <param name="values">count × featureCount bytes, row-major (kept, not copied).</param>
    /// <param name="divisor">What each byte is divided by (255 for pixels scaled to [0, 1]); finite and not zero.</param>
    /// <param name="count">The number of examples.</param>
    /// <param name="featureCount">The features per example.</param>
    /// <param name="labels">One class label per example, in [0, classCount).</param>
    /// <param name="classCount">The number of classes (at least 2).</param>
    public static Dataset FromBytes(byte[] values, float divisor, int count, int featureCount, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(labels);
        if (!float.IsFinite(divisor) || divisor == 0) throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "finite and not zero");
        if (values.Length != (long)count * featureCount)
        {
            throw new ArgumentException($"values has {values.Length} bytes, expected {count}×{featureCount}", nameof(values));
        }
        if (labels.Length != count) throw new ArgumentException("one label per example", nameof(labels));
        CheckClasses(labels, classCount);
        return new Dataset(new Storage(values, divisor), count, featureCount, labels, classCount, null);
    }

    private readonly Storage _storage;

    /// <summary>The float32 features, count × featureCount row-major (for a byte dataset, made on first use).</summary>
    public float[] Features => _storage.Floats;

    /// <summary>Whether the features are kept as bytes and not yet made as floats (so reading them by row is cheaper).</summary>
    internal bool KeptAsBytes => _storage.KeptAsBytes;

    public int Count { get; }

    public int FeatureCount { get; }

    /// <summary>Class labels in [0, ClassCount), or null for regression.</summary>
    public int[]? Labels { get; }

    /// <summary>Number of classes; 0 for regression.</summary>
    public int ClassCount { get; }

    /// <summary>Regression targets, or null for classification.</summary>
    public float[]? Targets { get; }

    public ReadOnlySpan<float> Example(int i) => Features.AsSpan(i * FeatureCount, FeatureCount);

    /// <summary>Copies example <paramref name="i"/>'s features into <paramref name="destination"/> (its first FeatureCount
    /// values), without making the float features of a byte dataset.</summary>
    public void CopyExample(int i, Span<float> destination)
    {
        if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i), $"example {i} of {Count}");
        _storage.CopyRow(i, FeatureCount, destination[..FeatureCount]);
    }

    /// <summary>Copies the examples <paramref name="rows"/>, in that order, into <paramref name="destination"/>
    /// (rows.Length × FeatureCount, row-major).</summary>
    public void CopyRows(ReadOnlySpan<int> rows, Span<float> destination)
    {
        int f = FeatureCount;
        for (int k = 0; k < rows.Length; k++) CopyExample(rows[k], destination.Slice(k * f, f));
    }

    /// <summary>The same features with other labels.</summary>
    public Dataset WithLabels(int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (Labels is null) throw new InvalidOperationException("a regression dataset has no labels to replace");
        if (labels.Length != Count) throw new ArgumentException("one label per example", nameof(labels));
        CheckClasses(labels, ClassCount);
        return new(_storage, Count, FeatureCount, labels, ClassCount, null);
    }

    /// <summary>The same examples with another class count (at least the largest label + 1).</summary>
    public Dataset WithClassCount(int classCount)
    {
        if (Labels is null) throw new InvalidOperationException("a regression dataset has no classes");
        CheckClasses(Labels, classCount);
        return new(_storage, Count, FeatureCount, Labels, classCount, null);
    }

    private static void CheckClasses(int[] labels, int classCount)
    {
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "at least 2 classes");
        foreach (int y in labels)
        {
            if ((uint)y >= (uint)classCount) throw new ArgumentException($"label {y} is outside [0, {classCount})", nameof(labels));
        }
    }

    /// <summary>The features, as floats or as bytes with their scale; shared by every view of a dataset.</summary>
    private sealed class Storage
    {
        private readonly byte[]? _bytes;
        private readonly float _divisor;
        private float[]? _floats;
        private readonly Lock _gate = new();

        public Storage(float[] floats) => _floats = floats;

        public Storage(byte[] bytes, float divisor)
        {
            _bytes = bytes;
            _divisor = divisor;
        }

        public bool KeptAsBytes => Volatile.Read(ref _floats) is null;

        public float[] Floats
        {
            get
            {
                var floats = Volatile.Read(ref _floats);
                if (floats is not null) return floats;
                lock (_gate)
                {
                    if (_floats is null)
                    {
                        var made = GC.AllocateUninitializedArray<float>(_bytes!.Length);
                        Convert(_bytes, _divisor, made);
                        Volatile.Write(ref _floats, made);
                    }
                    return _floats;
                }
            }
        }

        /// <summary>Once the floats exist they are the features (a transform may have changed them in place).</summary>
        public void CopyRow(int i, int featureCount, Span<float> destination)
        {
            var floats = Volatile.Read(ref _floats);
            if (floats is not null) floats.AsSpan(i * featureCount, featureCount).CopyTo(destination);
            else Convert(_bytes.AsSpan(i * featureCount, featureCount), _divisor, destination);
        }

        /// <summary>destination[k] = (float)bytes[k] / divisor: 16 at a time on AVX-512, 8 on AVX2 (zero-extended, converted
        /// exactly, divided: the same IEEE division as the scalar tail).</summary>
        private static void Convert(ReadOnlySpan<byte> bytes, float divisor, Span<float> destination)
        {
            int n = bytes.Length, k = 0;
            if (destination.Length < n) throw new ArgumentException("destination shorter than the bytes", nameof(destination));
            ref byte src = ref MemoryMarshal.GetReference(bytes);
            ref float dst = ref MemoryMarshal.GetReference(destination);
            if (Avx512F.IsSupported)
            {
                var d = Vector512.Create(divisor);
                for (; k + 16 <= n; k += 16)
                {
                    var ints = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref src, (nuint)k));
                    (Avx512F.ConvertToVector512Single(ints) / d).StoreUnsafe(ref dst, (nuint)k);
                }
            }
            else if (Avx2.IsSupported)
            {
                var d = Vector256.Create(divisor);
                for (; k + 16 <= n; k += 8)
                {
                    var ints = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref src, (nuint)k)); // the low 8 bytes
                    (Avx.ConvertToVector256Single(ints) / d).StoreUnsafe(ref dst, (nuint)k);
                }
            }
            for (; k < n; k++) destination[k] = bytes[k] / divisor;
        }
    }
}
