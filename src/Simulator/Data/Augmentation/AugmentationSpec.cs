using System.Globalization;
using SimByz.Specs;

namespace SimByz.Simulator.Data.Augmentation;

/// <summary>
/// Data augmentation applied to every honest (and data-attacking) worker's minibatches, scenario field
/// <c>task.augmentation</c>: <c>none</c> (the default) or <c>hflip</c> (random horizontal flip, options
/// <c>p=0.5</c>, <c>channels=k</c>). Immutable, validated on construction.
/// </summary>
/// <remarks>
/// <para><c>hflip</c> is torchvision's <c>RandomHorizontalFlip(p)</c> (as ByzFL applies to Fashion-MNIST): each
/// example of a minibatch is mirrored left–right with probability p, independently. Features are read as
/// images of c channels of s×s pixels, channel-major and row-major (IDX and CIFAR-10 records): pixel (ch, y, x)
/// takes the value of (ch, y, s − 1 − x). c defaults to 3 when the data has 3072 features (CIFAR-10) and 1
/// otherwise; the feature count must be c·s².</para>
/// <para>Determinism: worker i decides its flips from its own stream (root seed, <c>worker.augment</c>, i),
/// one <see cref="Scheduler.RandomStream.NextDouble"/> per example in batch order (flip when it is below p),
/// so a worker's flips do not depend on the defence or on the other workers. The server's validation, test
/// and training-loss evaluations see the data unflipped (ByzFL flips its evaluation sets too; the difference is
/// noted in docs/RESULTS.md).</para>
/// </remarks>
public sealed record AugmentationSpec
{
    /// <summary>Every augmentation, as <c>simbyz list fields</c> and the docs describe them.</summary>
    public static IReadOnlyList<ComponentInfo> Kinds { get; } =
    [
        new("none", "no augmentation: workers train on the rows as stored", "—", "any data", []),
        new("hflip", "random horizontal flip: each example of a worker's minibatch mirrored left–right with probability p (worker stream worker.augment)",
            "torchvision RandomHorizontalFlip (ByzFL's Fashion-MNIST transform)", "image data: features = channels·s²",
            [
                new("p", "number in [0, 1]", "0.5", "probability of flipping an example"),
                new("channels", "integer ≥ 1", "3 if 3072 features, else 1", "image channels c (features = c·s²)"),
            ]),
    ];

    private AugmentationSpec(double probability, int channels)
    {
        Probability = probability;
        Channels = channels;
    }

    /// <summary>No augmentation (the default).</summary>
    public static AugmentationSpec None { get; } = new(0, 0);

    /// <summary>A random horizontal flip with probability <paramref name="probability"/>; <paramref name="channels"/> 0 picks the default from the feature count.</summary>
    /// <exception cref="SimByzException">p outside [0, 1] or a negative channel count.</exception>
    public static AugmentationSpec HorizontalFlip(double probability = 0.5, int channels = 0)
    {
        if (!(probability >= 0 && probability <= 1)) throw new SimByzException($"augmentation 'hflip': p={probability.ToString("R", CultureInfo.InvariantCulture)} is invalid: expected a number in [0, 1]");
        if (channels < 0) throw new SimByzException($"augmentation 'hflip': channels={channels} is invalid: expected an integer ≥ 1");
        return new AugmentationSpec(probability, channels);
    }

    /// <summary>True for <c>hflip</c>.</summary>
    public bool IsHorizontalFlip => this != None;

    /// <summary>Flip probability p (hflip).</summary>
    public double Probability { get; }

    /// <summary>Image channels c as given (0: from the feature count, see <see cref="ChannelsFor"/>).</summary>
    public int Channels { get; }

    /// <summary>Parses <c>none</c> or <c>hflip[:p=…,channels=…]</c>.</summary>
    /// <exception cref="SimByzException">Unknown name or bad parameter.</exception>
    public static AugmentationSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parsed = ComponentSpec.Parse(spec, "augmentation");
        var p = parsed.Read("augmentation");
        AugmentationSpec result = parsed.Name switch
        {
            "none" => None,
            "hflip" => HorizontalFlip(p.GetDouble("p", 0.5, 0, 1), p.GetInt("channels", 0, 1, 4096)),
            _ => throw new SimByzException($"unknown augmentation '{parsed.Name}' (known: {string.Join(", ", Kinds.Select(k => k.Name))})"),
        };
        p.EnsureAllUsed();
        return result;
    }

    /// <summary>The channel count used for data with <paramref name="featureCount"/> features.</summary>
    public int ChannelsFor(int featureCount) => Channels > 0 ? Channels : featureCount == 3072 ? 3 : 1;

    /// <summary>The image side s for data with <paramref name="featureCount"/> features.</summary>
    /// <exception cref="SimByzException">The features are not c square images.</exception>
    public int SideFor(int featureCount)
    {
        int c = ChannelsFor(featureCount);
        int side = featureCount % c == 0 ? (int)Math.Round(Math.Sqrt(featureCount / c)) : 0;
        if (side == 0 || (long)c * side * side != featureCount)
        {
            throw new SimByzException($"augmentation '{this}': {featureCount} features are not {c} square channel(s) of s×s pixels (expected {c}·s²; set channels=k)");
        }
        return side;
    }

    /// <summary>The canonical spec text.</summary>
    public override string ToString()
    {
        if (!IsHorizontalFlip) return "none";
        var parts = new List<string>();
        if (Probability != 0.5) parts.Add("p=" + Probability.ToString("R", CultureInfo.InvariantCulture));
        if (Channels > 0) parts.Add("channels=" + Channels.ToString(CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "hflip" : "hflip:" + string.Join(",", parts);
    }
}
