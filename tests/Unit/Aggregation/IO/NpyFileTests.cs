using System.Text;
using SimByz.Aggregation.IO;
using SimByz.Testing.Aggregation;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.IO;

public sealed class NpyFileTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("simbyz-npy-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Save(byte[] bytes, string name = "in.npy")
    {
        string path = Path.Combine(_folder.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static readonly double[][] Rows = [[1.5, -2.25, 3], [0.1, 1e-3, -7]];

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    [InlineData(false, 3)]
    public void ReadMatrix_Float64_ConvertsToNearestFloat32(bool bigEndian, int major)
    {
        var m = NpyFile.ReadMatrix(Save(NpyBytes.Float64Matrix(Rows, bigEndian, major)));
        Assert.Equal((2, 3), (m.Rows, m.Columns));
        Assert.Equal(bigEndian ? ">f8" : "<f8", m.DType);
        Assert.Equal([1.5f, -2.25f, 3f, 0.1f, 1e-3f, -7f], m.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadMatrix_Float32_ReadsExactBits(bool bigEndian)
    {
        float[][] rows = [[float.NaN, float.NegativeInfinity], [1e-40f, 3.4e38f]];
        var m = NpyFile.ReadMatrix(Save(NpyBytes.Float32Matrix(rows, bigEndian)));
        Assert.Equal([float.NaN, float.NegativeInfinity, 1e-40f, 3.4e38f], m.Data);
    }

    [Fact]
    public void WriteMatrix_ThenRead_RoundTrips()
    {
        string path = Path.Combine(_folder.FullName, "m.npy");
        float[] values = [1, 2, 3, 4, 5, 6];
        NpyFile.WriteMatrix(path, values, 3, 2);
        var m = NpyFile.ReadMatrix(path);
        Assert.Equal((3, 2, "<f4"), (m.Rows, m.Columns, m.DType));
        Assert.Equal(values, m.Data);
    }

    [Fact]
    public void WriteVector_WritesNumpyV1HeaderPaddedTo64Bytes_AndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_folder.FullName, "v.npy");
        NpyFile.WriteVector(path, [0.5f, -1f, 2f]);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(128 + 12, bytes.Length);
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0], bytes[..10]);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }   ", Encoding.ASCII.GetString(bytes, 10, 118), StringComparison.Ordinal);
        Assert.Equal((byte)'\n', bytes[127]);
        Assert.Equal(BitConverter.GetBytes(0.5f), bytes[128..132]);
        Assert.Equal(["v.npy"], _folder.GetFiles().Select(f => f.Name));
        Assert.Equal(bytes, NpyFile.EncodeVector([0.5f, -1f, 2f]));
    }

    [Fact]
    public void WriteVector_MissingFolder_ThrowsAndCreatesNothing()
    {
        string path = Path.Combine(_folder.FullName, "no-such-folder", "v.npy");
        var ex = Assert.Throws<SimByzException>(() => NpyFile.WriteVector(path, [1f]));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_folder.GetFileSystemInfos());
    }

    [Fact]
    public void WriteVector_OverExistingFile_ReplacesIt()
    {
        string path = Path.Combine(_folder.FullName, "v.npy");
        NpyFile.WriteVector(path, [1f, 2f, 3f, 4f]);
        NpyFile.WriteVector(path, [9f]);
        Assert.Equal(NpyFile.EncodeVector([9f]), File.ReadAllBytes(path));
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "int32", NpyBytes.Build(NpyBytes.Header("<i4", "(1, 2)"), new byte[8]), "unsupported dtype '<i4'" },
        { "float16", NpyBytes.Build(NpyBytes.Header("<f2", "(1, 2)"), new byte[4]), "unsupported dtype '<f2'" },
        { "uint8", NpyBytes.Build(NpyBytes.Header("|u1", "(1, 2)"), new byte[2]), "unsupported dtype '|u1'" },
        { "fortran", NpyBytes.Build(NpyBytes.Header("<f4", "(2, 2)", fortranOrder: true), new byte[16]), "Fortran" },
        { "rank 1", NpyBytes.Build(NpyBytes.Header("<f4", "(4,)"), new byte[16]), "rank 1" },
        { "rank 3", NpyBytes.Build(NpyBytes.Header("<f4", "(1, 2, 2)"), new byte[16]), "rank 3" },
        { "rank 0", NpyBytes.Build(NpyBytes.Header("<f4", "()"), new byte[4]), "rank 0" },
        { "truncated f4", NpyBytes.Build(NpyBytes.Header("<f4", "(2, 3)"), new byte[23]), "truncated" },
        { "truncated f8", NpyBytes.Build(NpyBytes.Header("<f8", "(2, 3)"), new byte[40]), "truncated" },
        { "huge shape", NpyBytes.Build(NpyBytes.Header("<f8", "(20000, 50000)"), new byte[64]), "truncated" },
        { "trailing", NpyBytes.Build(NpyBytes.Header("<f4", "(1, 1)"), new byte[5]), "unexpected bytes" },
        { "magic", Encoding.ASCII.GetBytes("PK\u0003\u0004 definitely a zip"), "not a .npy file" },
        { "empty", [], "not a .npy file" },
        { "version", NpyBytes.Build(NpyBytes.Header("<f4", "(1, 1)"), new byte[4], major: 4), "format version 4.0" },
        { "no shape", NpyBytes.Build("{'descr': '<f4', 'fortran_order': False, }", new byte[4]), "no 'shape'" },
        { "bad dict", NpyBytes.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1) ", new byte[4]), "malformed .npy header" },
        { "structured", NpyBytes.Build("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 1), }", new byte[4]), "structured" },
        { "header cut", NpyBytes.Build(NpyBytes.Header("<f4", "(1, 1)"), [])[..20], "truncated .npy header" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void ReadMatrix_Malformed_ThrowsNamingFileAndProblem(string label, byte[] bytes, string problem)
    {
        string path = Save(bytes, label.Replace(' ', '-') + ".npy");
        var ex = Assert.Throws<SimByzException>(() => NpyFile.ReadMatrix(path));
        Assert.StartsWith(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void ReadMatrix_EmptyPath_SaysSo(string path)
        => Assert.Equal(".npy input: the path is empty", Assert.Throws<SimByzException>(() => NpyFile.ReadMatrix(path)).Message);

    [Fact]
    public void ReadMatrix_MissingFile_SaysNotFound()
    {
        string path = Path.Combine(_folder.FullName, "absent.npy");
        Assert.Equal($"{path}: file not found", Assert.Throws<SimByzException>(() => NpyFile.ReadMatrix(path)).Message);
    }
}
