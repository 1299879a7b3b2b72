namespace SimByz.Simulator.Data.Readers;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28×28 grey images of 10 clothing classes, 60 000
/// training and 10 000 test, in IDX format, as installed by the Debian package
/// <c>dataset-fashion-mnist</c> in <see cref="DefaultDirectory"/>.
/// </summary>
/// <remarks>
/// Files: <c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>,
/// <c>t10k-images-idx3-ubyte.gz</c>, <c>t10k-labels-idx1-ubyte.gz</c> (the uncompressed names without
/// <c>.gz</c> are accepted too). Features are 784 pixels scaled to [0, 1]; labels 0..9.
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The Debian package that provides the data.</summary>
    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>Loads the training and test sets from <paramref name="directory"/> (within a sweep, once: <see cref="FileDataCache"/>).</summary>
    /// <exception cref="SimByzException">A file is missing (the message names the package) or malformed.</exception>
    public static LoadedData Load(string directory = DefaultDirectory)
    {
        var train = IdxReader.LoadDatasetShared(Find(directory, "train-images-idx3-ubyte"), Find(directory, "train-labels-idx1-ubyte"), 10);
        var test = IdxReader.LoadDatasetShared(Find(directory, "t10k-images-idx3-ubyte"), Find(directory, "t10k-labels-idx1-ubyte"), 10);
        if (train.FeatureCount != test.FeatureCount)
        {
            throw new SimByzException($"Fashion-MNIST in {directory}: train images have {train.FeatureCount} pixels, test images {test.FeatureCount}");
        }
        return new LoadedData(train, test, $"fashion-mnist: {train.Count} train, {test.Count} test, {train.FeatureCount} features, 10 classes");
    }

    private static string Find(string directory, string stem)
    {
        string gz = Path.Combine(directory, stem + ".gz"), raw = Path.Combine(directory, stem);
        if (File.Exists(gz)) return gz;
        if (File.Exists(raw)) return raw;
        throw new SimByzException(
            $"Fashion-MNIST not found: {gz} is missing. Install the Debian package {DebianPackage} " +
            $"(apt-get install {DebianPackage}), which puts the files in {DefaultDirectory}, or give the data spec a dir=PATH holding them");
    }
}
