using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Augmentation;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Augmentation;

public sealed class HorizontalFlipTests
{
    /// <summary>Images of c channels of s×s: pixel (ch, y, x) of example i = 1000·i + 100·ch + 10·y + x.</summary>
    private static Dataset Images(int count, int channels, int side)
    {
        int f = channels * side * side;
        var features = new float[count * f];
        for (int i = 0; i < count; i++)
            for (int ch = 0; ch < channels; ch++)
                for (int y = 0; y < side; y++)
                    for (int x = 0; x < side; x++)
                        features[i * f + (ch * side + y) * side + x] = 1000 * i + 100 * ch + 10 * y + x;
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % 2;
        return new Dataset(features, count, f, labels, 2);
    }

    private static bool IsMirrored(ReadOnlySpan<float> image, int example, int channels, int side)
    {
        for (int ch = 0; ch < channels; ch++)
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                    if (image[(ch * side + y) * side + x] != 1000 * example + 100 * ch + 10 * y + (side - 1 - x)) return false;
        return true;
    }

    [Fact]
    public void Apply_ProbabilityOne_MirrorsEveryRowLeftRightPerChannel_LabelsFollow()
    {
        var data = Images(5, channels: 3, side: 4);
        var flip = new HorizontalFlip(AugmentationSpec.HorizontalFlip(1, channels: 3), data, new RandomStream(1));
        var (batch, rows) = flip.Apply([4, 1, 3]);
        Assert.Equal([0, 1, 2], rows);
        Assert.True(IsMirrored(batch.Example(0), 4, 3, 4));
        Assert.True(IsMirrored(batch.Example(1), 1, 3, 4));
        Assert.Equal([0, 1, 1], batch.Labels!);
        // The source is untouched.
        Assert.Equal(1000 * 4 + 3, data.Example(4)[3]);
    }

    [Fact]
    public void Apply_ProbabilityZero_CopiesUnchanged()
    {
        var data = Images(3, channels: 1, side: 4);
        var (batch, _) = new HorizontalFlip(AugmentationSpec.HorizontalFlip(0), data, new RandomStream(1)).Apply([2, 0]);
        Assert.Equal(data.Example(2).ToArray(), batch.Example(0).ToArray());
        Assert.Equal(data.Example(0).ToArray(), batch.Example(1).ToArray());
    }

    private static bool[] Flips(ulong seed, int batches)
    {
        var data = Images(8, channels: 1, side: 4);
        var flip = new HorizontalFlip(AugmentationSpec.HorizontalFlip(), data, new RandomStream(seed));
        var flipped = new List<bool>();
        for (int k = 0; k < batches; k++)
        {
            int[] rows = [0, 1, 2, 3, 4, 5, 6, 7];
            var (batch, _) = flip.Apply(rows);
            for (int i = 0; i < rows.Length; i++) flipped.Add(IsMirrored(batch.Example(i), rows[i], 1, 4));
        }
        return [.. flipped];
    }

    [Fact]
    public void Apply_HalfProbability_DeterministicPerSeed_ByOneDrawPerExample()
    {
        var a = Flips(7, 50);
        Assert.Equal(a, Flips(7, 50));
        Assert.NotEqual(a, Flips(8, 50));
        int count = a.Count(f => f);
        Assert.InRange(count, 150, 250); // 400 fair coins
        var rng = new RandomStream(7);
        for (int i = 0; i < 16; i++) Assert.Equal(rng.NextDouble() < 0.5, a[i]);
    }

    [Theory]
    [InlineData("none", "none")]
    [InlineData("hflip", "hflip")]
    [InlineData("hflip:p=0.5", "hflip")]
    [InlineData("hflip:p=0.25,channels=3", "hflip:p=0.25,channels=3")]
    public void Parse_CanonicalText(string spec, string canonical) => Assert.Equal(canonical, AugmentationSpec.Parse(spec).ToString());

    [Theory]
    [InlineData("vflip", "unknown augmentation 'vflip'")]
    [InlineData("hflip:p=2", "p")]
    [InlineData("hflip:q=1", "q")]
    public void Parse_Bad_OneClearMessage(string spec, string expected)
        => Assert.Contains(expected, Assert.Throws<SimByzException>(() => AugmentationSpec.Parse(spec)).Message, StringComparison.Ordinal);

    [Fact]
    public void SideFor_NonSquareFeatures_Rejected_CifarShapeReadAsThreeChannels()
    {
        Assert.Contains("not 1 square", Assert.Throws<SimByzException>(() => AugmentationSpec.HorizontalFlip().SideFor(20)).Message, StringComparison.Ordinal);
        Assert.Equal(32, AugmentationSpec.HorizontalFlip().SideFor(3072));
        Assert.Equal(28, AugmentationSpec.HorizontalFlip().SideFor(784));
    }
}
