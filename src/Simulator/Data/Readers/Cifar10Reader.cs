namespace SimByz.Simulator.Data.Readers;

/// <summary>
/// Reads the CIFAR-10 binary version (Krizhevsky 2009; https://www.cs.toronto.edu/~kriz/cifar.html):
/// records of 1 label byte (0..9) then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each
/// 32×32 row-major).
/// </summary>
/// <remarks>
/// Features keep the file's channel-major order (3072 values) scaled to [0, 1] by 1/255. A file
/// whose length is not a positive multiple of 3073, or a label above 9, throws a
/// <see cref="SimByzException"/> naming the file. Thread-safe (no state).
/// </remarks>
public static class Cifar10Reader
{
    /// <summary>Bytes per record: 1 label + 3·32·32 pixels.</summary>
    public const int RecordSize = 1 + PixelCount;

    /// <summary>Features per image.</summary>
    public const int PixelCount = 3 * 32 * 32;

    /// <summary>The training batch files of the binary distribution, in order.</summary>
    public static readonly IReadOnlyList<string> TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    /// <summary>The test batch file.</summary>
    public const string TestFile = "test_batch.bin";

    /// <summary>Reads one or more batch files, concatenated in the given order, into a 10-class dataset.</summary>
    public static Dataset ReadBatches(IReadOnlyList<string> paths)
    {
        var contents = new List<byte[]>(paths.Count);
        long records = 0;
        foreach (string path in paths)
        {
            byte[] bytes = IdxReader.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % RecordSize != 0)
            {
                throw new SimByzException($"CIFAR-10 file {path}: length {bytes.Length} is not a positive multiple of the record size {RecordSize} (1 label byte + {PixelCount} pixel bytes)");
            }
            for (int r = 0; r < bytes.Length; r += RecordSize)
            {
                if (bytes[r] > 9) throw new SimByzException($"CIFAR-10 file {path}: record {r / RecordSize} has label {bytes[r]} (expected 0..9)");
            }
            records += bytes.Length / RecordSize;
            if (records * PixelCount > int.MaxValue / 2) throw new SimByzException($"CIFAR-10 file {path}: too many records ({records})");
            contents.Add(bytes);
        }
        int n = (int)records;
        var x = new float[(long)n * PixelCount];
        var y = new int[n];
        int i = 0;
        foreach (byte[] bytes in contents)
        {
            for (int r = 0; r < bytes.Length; r += RecordSize, i++)
            {
                y[i] = bytes[r];
                var row = x.AsSpan(i * PixelCount, PixelCount);
                for (int j = 0; j < PixelCount; j++) row[j] = bytes[r + 1 + j] / 255f;
            }
        }
        return new Dataset(x, n, PixelCount, y, 10);
    }

    /// <summary><see cref="ReadDirectory"/>, or, within a sweep, the datasets an earlier read of the same six unchanged files
    /// gave (<see cref="FileDataCache"/>), which their users treat as read-only.</summary>
    internal static LoadedData ReadDirectoryShared(string directory)
        => FileDataCache.Load([.. TrainFiles.Select(f => Path.Combine(directory, f)), Path.Combine(directory, TestFile)], "cifar10",
            () => ReadDirectory(directory));

    /// <summary>Reads the five training batches and the test batch from <paramref name="directory"/> (every time).</summary>
    public static LoadedData ReadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new SimByzException($"CIFAR-10 directory {directory} does not exist (expected the binary version's files {string.Join(", ", TrainFiles)}, {TestFile})");
        }
        var train = new List<string>();
        foreach (string f in TrainFiles) train.Add(Require(directory, f));
        string test = Require(directory, TestFile);
        var trainSet = ReadBatches(train);
        var testSet = ReadBatches([test]);
        return new LoadedData(trainSet, testSet, $"cifar10: {trainSet.Count} train, {testSet.Count} test, {PixelCount} features, 10 classes");
    }

    private static string Require(string directory, string file)
    {
        string path = Path.Combine(directory, file);
        if (!File.Exists(path)) throw new SimByzException($"CIFAR-10 directory {directory}: {file} is missing (the binary version has {string.Join(", ", TrainFiles)}, {TestFile})");
        return path;
    }
}
