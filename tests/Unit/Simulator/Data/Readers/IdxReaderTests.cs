using SimByz;
using SimByz.Simulator.Data.Readers;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Readers;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadDataset_RawOrGzip_ReadsPixelsScaledAndLabels(bool gzip)
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 12, 3, 4, 5, gzip);
        var data = IdxReader.LoadDataset(images, labels);
        Assert.Equal(12, data.Count);
        Assert.Equal(12, data.FeatureCount);
        Assert.Equal(5, data.ClassCount);
        Assert.Equal(3, data.Labels![8]);
        Assert.Equal(((2 * 7 + 5) % 256) / 255f, data.Example(2)[5]);
        Assert.All(data.Features, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Read_AllTypes_DecodesBigEndian()
    {
        using var files = new TempFiles();
        var a = IdxReader.Read(files.Write("a", TempFiles.Idx(0x0B, [2], [0xFF, 0xFE, 0x01, 0x00])));
        Assert.Equal([-2f, 256f], a.Values);
        var b = IdxReader.Read(files.Write("b", TempFiles.Idx(0x0D, [1], [0x3F, 0xC0, 0x00, 0x00])));
        Assert.Equal([1.5f], b.Values);
        var c = IdxReader.Read(files.Write("c", TempFiles.Idx(0x09, [1, 1], [0xFF])));
        Assert.Equal([-1f], c.Values);
        Assert.Equal(IdxDataType.SignedByte, c.Type);
        var d = IdxReader.Read(files.Write("d", TempFiles.Idx(0x0E, [1], [0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18])));
        Assert.Equal((float)Math.PI, d.Values[0]);
        var e = IdxReader.Read(files.Write("e", TempFiles.Idx(0x0C, [1], [0x00, 0x01, 0x00, 0x00])));
        Assert.Equal(65536f, e.Values[0]);
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "short", [0, 0, 8], "too short" },
        { "magic", [1, 0, 8, 1, 0, 0, 0, 1, 7], "bad magic number" },
        { "type", TempFiles.Idx(0x07, [1], [1]), "unknown data type byte 0x07" },
        { "rank0", [0, 0, 8, 0], "dimension count is 0" },
        { "header", [0, 0, 8, 3, 0, 0, 0, 1], "too short for 3 dimensions" },
        { "negative", TempFiles.Idx(0x08, [-1], []), "negative" },
        { "truncated", TempFiles.Idx(0x08, [2, 3], [1, 2, 3, 4, 5]), "truncated" },
        { "trailing", TempFiles.Idx(0x08, [2], [1, 2, 3]), "1 trailing bytes" },
        { "gzip", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3], "corrupt or truncated gzip" },
        { "truncated-gzip", TruncatedGzip(), "corrupt or truncated gzip" },
        { "huge", TempFiles.Idx(0x08, [65536, 65536], []), "too many values" },
    };

    private static byte[] TruncatedGzip()
    {
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            var pixels = new byte[4000];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 31 % 251);
            gz.Write(TempFiles.Idx(0x08, [40, 10, 10], pixels));
        }
        var full = ms.ToArray();
        return full[..(full.Length / 2)];
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedFile_ThrowsNamingFileAndProblem(string name, byte[] content, string problem)
    {
        using var files = new TempFiles();
        string path = files.Write(name, content);
        var e = Assert.Throws<SimByzException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void LoadDataset_MalformedImages_SameErrorAsTheFullRead(string name, byte[] content, string problem)
    {
        // LoadDataset streams well-formed images straight into bytes and hands anything else to the full reader:
        // every malformed image file must still get the full reader's error.
        using var files = new TempFiles();
        string images = files.Write(name, content);
        string labels = files.Write(name + "-labels", TempFiles.Idx(0x08, [1], [0]));
        var e = Assert.Throws<SimByzException>(() => IdxReader.LoadDataset(images, labels));
        Assert.Contains(images, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ThrowsNamingIt()
    {
        var e = Assert.Throws<SimByzException>(() => IdxReader.Read("/nonexistent/simbyz/file.idx"));
        Assert.Contains("/nonexistent/simbyz/file.idx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDataset_InconsistentFiles_ThrowClearErrors()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("a", 4, 2, 2, 3, gzip: false);
        var (_, fewerLabels) = files.Mnist("b", 3, 2, 2, 3, gzip: false);
        Assert.Contains("4 images but 3 labels", Assert.Throws<SimByzException>(() => IdxReader.LoadDataset(images, fewerLabels)).Message, StringComparison.Ordinal);
        Assert.Contains("label 2 is out of range", Assert.Throws<SimByzException>(() => IdxReader.LoadDataset(images, labels, classCount: 2)).Message, StringComparison.Ordinal);
        Assert.Contains("labels must have 1 dimension", Assert.Throws<SimByzException>(() => IdxReader.LoadDataset(images, images)).Message, StringComparison.Ordinal);
        string floats = files.Write("f", TempFiles.Idx(0x0D, [1, 1], [0, 0, 0, 0]));
        Assert.Contains("unsigned bytes", Assert.Throws<SimByzException>(() => IdxReader.LoadDataset(floats, labels)).Message, StringComparison.Ordinal);
    }
}
