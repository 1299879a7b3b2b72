using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Augmentation;
using SimByz.Simulator.Data.Readers;
using SimByz.Simulator.Tasks;
using SimByz.Tests.Unit.Simulator.Data.Readers;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data;

/// <summary>
/// A dataset kept as bytes (<see cref="Dataset.FromBytes"/>, what the IDX reader gives for images) must be the same
/// dataset as its float form to everything that reads it: rows copied out, the features made on demand, the flip
/// augmentation, and the MLP's gradient and evaluation (which read the bytes without making the floats).
/// </summary>
public sealed class ByteDatasetTests
{
    /// <summary>The same random images twice: kept as bytes, and as the floats the scale gives.</summary>
    private static (Dataset Bytes, Dataset Floats) Pair(int count, int features, int classes, ulong seed)
    {
        var rng = new RandomStream(seed);
        var pixels = new byte[count * features];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)rng.NextInt(256);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = rng.NextInt(classes);
        var floats = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) floats[i] = pixels[i] / 255f;
        return (Dataset.FromBytes(pixels, 255f, count, features, labels, classes), new Dataset(floats, count, features, (int[])labels.Clone(), classes));
    }

    [Fact]
    public void FromBytes_CopiedRowsAndMadeFeatures_AreTheFloatDatasetsBits()
    {
        var (bytes, floats) = Pair(17, 12, 3, 5);
        var row = new float[12];
        bytes.CopyExample(16, row);
        Assert.Equal(floats.Example(16).ToArray(), row);
        var rows = new float[3 * 12];
        bytes.CopyRows([4, 0, 4], rows);
        Assert.Equal(floats.Example(4).ToArray(), rows[..12]);
        Assert.Equal(floats.Example(0).ToArray(), rows[12..24]);
        Assert.True(bytes.KeptAsBytes);
        Assert.Equal(floats.Features, bytes.Features);
        Assert.False(bytes.KeptAsBytes);
        Assert.Same(bytes.Features, bytes.Features);
    }

    [Fact]
    public void FromBytes_EveryByteValue_VectorAndScalarConversionGiveTheDivisionsBits()
    {
        // 259 features: every byte value once on the 16-wide path, then three on the scalar tail.
        var pixels = Enumerable.Range(0, 2 * 259).Select(i => (byte)(i * 7 % 256)).ToArray();
        var data = Dataset.FromBytes(pixels, 255f, 2, 259, [0, 1], 2);
        var row = new float[259];
        for (int r = 0; r < 2; r++)
        {
            data.CopyExample(r, row);
            for (int k = 0; k < 259; k++)
            {
                float expected = pixels[r * 259 + k] / 255f;
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(row[k]));
            }
        }
        Assert.Equal(pixels.Select(b => b / 255f).ToArray(), data.Features);
    }

    [Fact]
    public void FromBytes_Views_ShareOneSetOfMadeFeatures_AndTransformsInPlaceAreSeenByRowCopies()
    {
        var (bytes, _) = Pair(6, 4, 2, 7);
        var relabelled = bytes.WithLabels([1, 1, 1, 0, 0, 0]);
        var widened = bytes.WithClassCount(5);
        Assert.Equal(5, widened.ClassCount);
        Assert.Same(bytes.Features, relabelled.Features);
        Assert.Same(bytes.Features, widened.Features);
        bytes.Features[5] = 42f; // e.g. standardization, in place once the floats exist
        var row = new float[4];
        relabelled.CopyExample(1, row);
        Assert.Equal(42f, row[1]);
    }

    [Fact]
    public void FromBytes_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => Dataset.FromBytes(new byte[6], 255f, 2, 4, [0, 1], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.FromBytes(new byte[8], 0f, 2, 4, [0, 1], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.FromBytes(new byte[8], float.NaN, 2, 4, [0, 1], 2));
        Assert.Throws<ArgumentException>(() => Dataset.FromBytes(new byte[8], 255f, 2, 4, [0], 2));
        var (bytes, _) = Pair(3, 2, 2, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => bytes.CopyExample(3, new float[2]));
        Assert.Throws<ArgumentException>(() => bytes.WithLabels([0]));
    }

    [Fact]
    public void EveryWayToMakeAClassificationDataset_RejectsLabelsOutsideItsClasses()
    {
        // The float constructor, FromBytes, WithLabels and WithClassCount all hold the same condition: labels in [0, classes), classes ≥ 2.
        Assert.Contains("label 2 is outside [0, 2)", Assert.Throws<ArgumentException>(() => new Dataset(new float[4], 2, 2, [0, 2], 2)).Message);
        Assert.Throws<ArgumentException>(() => new Dataset(new float[4], 2, 2, [-1, 0], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new float[4], 2, 2, [0, 0], 1));
        Assert.Throws<ArgumentException>(() => Dataset.FromBytes(new byte[4], 255f, 2, 2, [0, 3], 3));
        var (bytes, floats) = Pair(3, 2, 2, 1);
        Assert.Throws<ArgumentException>(() => bytes.WithLabels([0, 1, 2]));
        Assert.Throws<ArgumentException>(() => floats.WithLabels([0, 1, 2]));
        Assert.Equal([1, 0, 1], floats.WithLabels([1, 0, 1]).Labels!);
        Assert.Throws<ArgumentOutOfRangeException>(() => floats.WithClassCount(1));
        var regression = new Dataset(new float[4], 2, 2, null, 0, [0.5f, 1f]); // regression: no classes to check
        Assert.Throws<InvalidOperationException>(() => regression.WithLabels([0, 1]));
    }

    [Fact]
    public void HorizontalFlip_ByteSource_SameBatchesAsFloatSource_WithoutMakingItsFeatures()
    {
        var (bytes, floats) = Pair(20, 2 * 5 * 5, 3, 11);
        var spec = AugmentationSpec.HorizontalFlip(0.5, channels: 2);
        var a = new HorizontalFlip(spec, bytes, new RandomStream(3));
        var b = new HorizontalFlip(spec, floats, new RandomStream(3));
        for (int k = 0; k < 5; k++)
        {
            int[] rows = [k, 19 - k, 7, k + 3];
            var (x, _) = a.Apply(rows);
            var xf = x.Features.ToArray();
            var lf = x.Labels!.ToArray();
            var (y, _) = b.Apply(rows);
            Assert.Equal(y.Features, xf);
            Assert.Equal(y.Labels!, lf);
        }
        Assert.True(bytes.KeptAsBytes);
    }

    [Fact]
    public void Softmax_ByteDataset_SameEvaluationBits_WithoutMakingItsFeatures()
    {
        var (bytes, floats) = Pair(70, 16, 4, 17);
        var onBytes = ModelCatalog.Create("softmax", 16, 4);
        var onFloats = onBytes.Clone();
        var p = new float[onBytes.ParameterCount];
        var rng = new RandomStream(5);
        for (int i = 0; i < p.Length; i++) p[i] = (float)rng.NextNormal(0, 1);
        var all = Enumerable.Range(0, 70).Reverse().ToArray();
        var e1 = onBytes.Evaluate(p, bytes, all);
        var e2 = onFloats.Evaluate(p, floats, all);
        Assert.Equal(BitConverter.DoubleToInt64Bits(e2.Loss), BitConverter.DoubleToInt64Bits(e1.Loss));
        Assert.Equal(e2.Accuracy, e1.Accuracy);
        Assert.InRange(e1.Accuracy, 0.01, 0.99); // some rows right and some wrong, so the accuracy is really compared
        Assert.True(bytes.KeptAsBytes);
    }

    [Theory]
    [InlineData("mlp:hidden=8")]
    [InlineData("mlp:hidden=8;6")]
    public void Mlp_ByteDataset_SameGradientLossAndEvaluationBits_WithoutMakingItsFeatures(string spec)
    {
        var (bytes, floats) = Pair(70, 16, 4, 13);
        var onBytes = ModelCatalog.Create(spec, 16, 4);
        var onFloats = onBytes.Clone();
        var p = new float[onBytes.ParameterCount];
        onBytes.Initialize(p, RandomStreams.Derive(3, StreamPurpose.ModelInit));
        int[] rows = [3, 69, 0, 3, 41, 12, 12, 55];
        var g1 = new float[p.Length];
        var g2 = new float[p.Length];
        double l1 = onBytes.LossAndGradient(p, bytes, rows, g1);
        double l2 = onFloats.LossAndGradient(p, floats, rows, g2);
        Assert.Equal(BitConverter.DoubleToInt64Bits(l2), BitConverter.DoubleToInt64Bits(l1));
        Assert.Equal(g2, g1);
        var all = Enumerable.Range(0, 70).Reverse().ToArray(); // three blocks, the last partial
        var e1 = onBytes.Evaluate(p, bytes, all);
        var e2 = onFloats.Evaluate(p, floats, all);
        Assert.Equal(BitConverter.DoubleToInt64Bits(e2.Loss), BitConverter.DoubleToInt64Bits(e1.Loss));
        Assert.Equal(e2.Accuracy, e1.Accuracy);
        Assert.True(bytes.KeptAsBytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxReader_ImagesKeptAsBytes_SameValuesAsTheFullRead(bool gzip)
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 30, 4, 7, 3, gzip);
        var data = IdxReader.LoadDataset(images, labels);
        Assert.True(data.KeptAsBytes);
        var full = IdxReader.Read(images).Values.Select(v => v / 255f).ToArray();
        Assert.Equal(full, data.Features);
    }
}
