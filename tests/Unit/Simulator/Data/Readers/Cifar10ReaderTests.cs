using SimByz;
using SimByz.Simulator.Data.Readers;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Readers;

public class Cifar10ReaderTests
{
    [Fact]
    public void ReadDirectory_SixBatchFiles_ConcatenatesTrainInOrderAndReadsTest()
    {
        using var files = new TempFiles();
        for (int b = 1; b <= 5; b++) files.Write($"data_batch_{b}.bin", TempFiles.Cifar(3, labelOffset: b));
        files.Write("test_batch.bin", TempFiles.Cifar(2));
        var loaded = Cifar10Reader.ReadDirectory(files.Directory);
        Assert.Equal(15, loaded.Train.Count);
        Assert.Equal(3072, loaded.Train.FeatureCount);
        Assert.Equal(10, loaded.Train.ClassCount);
        Assert.Equal([1, 2, 3, 2, 3, 4], loaded.Train.Labels![..6]);
        Assert.Equal(2, loaded.Test!.Count);
        Assert.Equal((1 + 100) % 256 / 255f, loaded.Test.Example(1)[100]);
    }

    [Fact]
    public void ReadBatches_BadLength_ThrowsNamingFile()
    {
        using var files = new TempFiles();
        string path = files.Write("data_batch_1.bin", TempFiles.Cifar(2)[..5000]);
        var e = Assert.Throws<SimByzException>(() => Cifar10Reader.ReadBatches([path]));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not a positive multiple of the record size 3073", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBatches_LabelAboveNine_ThrowsNamingRecord()
    {
        using var files = new TempFiles();
        var bytes = TempFiles.Cifar(2);
        bytes[3073] = 12;
        string path = files.Write("x.bin", bytes);
        Assert.Contains("record 1 has label 12", Assert.Throws<SimByzException>(() => Cifar10Reader.ReadBatches([path])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_MissingFile_ThrowsNamingIt()
    {
        using var files = new TempFiles();
        files.Write("data_batch_1.bin", TempFiles.Cifar(1));
        Assert.Contains("data_batch_2.bin is missing", Assert.Throws<SimByzException>(() => Cifar10Reader.ReadDirectory(files.Directory)).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<SimByzException>(() => Cifar10Reader.ReadDirectory(files.Directory + "/nope")).Message, StringComparison.Ordinal);
    }
}
