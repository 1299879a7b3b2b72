using System.Text.Json;
using SimByz.Aggregation.IO;
using SimByz.Cli;
using SimByz.Testing.Aggregation;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

public sealed class AggregateCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("simbyz-cli-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    private string Save(byte[] bytes, string name = "grads.npy")
    {
        File.WriteAllBytes(PathOf(name), bytes);
        return PathOf(name);
    }

    internal static (int Code, string Out, string Err) Simbyz(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    // The talk's toy example: honest {−0.3, 1, 2, 3, 4}, the last two replaced by −0.9.
    private static readonly double[][] Toy = [[-0.3], [1], [2], [-0.9], [-0.9]];

    [Fact]
    public void Aggregate_MedianOnToyExample_WritesFloat32VectorAndPrintsDiagnostics()
    {
        string input = Save(NpyBytes.Float64Matrix(Toy));
        var (code, stdout, stderr) = Simbyz("aggregate", "--rule", "median", "--input", input, "--output", PathOf("out.npy"));

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Equal(NpyFile.EncodeVector([-0.3f]), File.ReadAllBytes(PathOf("out.npy")));
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("median", root.GetProperty("rule").GetString());
        Assert.Equal("<f8", root.GetProperty("dtype").GetString());
        Assert.Equal(5, root.GetProperty("n").GetInt32());
        Assert.Equal(1, root.GetProperty("d").GetInt32());
        Assert.Equal(0.3, root.GetProperty("output_norm").GetDouble(), 1e-6);
        Assert.Equal(0, root.GetProperty("non_finite_rows").GetInt32());
    }

    [Fact]
    public void Aggregate_MeanWithoutOutput_PrintsWeightsAndWritesNothing()
    {
        string input = Save(NpyBytes.Float64Matrix(Toy));
        var (code, stdout, _) = Simbyz("aggregate", "--rule", "mean", "--input", input);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("output").ValueKind);
        Assert.Equal(0.18, json.RootElement.GetProperty("output_norm").GetDouble(), 1e-6);
        Assert.Equal(5, json.RootElement.GetProperty("weights").GetArrayLength());
        Assert.Equal(["grads.npy"], _folder.GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void Aggregate_NaNRow_IsLegitimateInput_MeanReportsNullNorm()
    {
        string input = Save(NpyBytes.Float32Matrix([[1f, 2f], [float.NaN, 0f], [3f, 4f]]));
        var (code, stdout, _) = Simbyz("aggregate", "--rule", "median", "--input", input, "--output", PathOf("median.npy"));
        Assert.Equal(0, code);
        using (var json = JsonDocument.Parse(stdout))
        {
            Assert.Equal(1, json.RootElement.GetProperty("non_finite_rows").GetInt32());
        }
        Assert.Equal(NpyFile.EncodeVector([2f, 2f]), File.ReadAllBytes(PathOf("median.npy")));

        (code, stdout, _) = Simbyz("aggregate", "--rule", "mean", "--input", input);
        Assert.Equal(0, code);
        using var mean = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Null, mean.RootElement.GetProperty("output_norm").ValueKind);
    }

    [Fact]
    public void Aggregate_Krum_PrintsSelectionAndScores()
    {
        string input = Save(NpyBytes.Float64Matrix(Toy));
        var (code, stdout, stderr) = Simbyz("aggregate", "--rule", "krum:f=1", "--input", input, "--output", PathOf("krum.npy"));

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal([3], json.RootElement.GetProperty("selected").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(5, json.RootElement.GetProperty("scores").GetArrayLength());
        Assert.Equal(NpyFile.EncodeVector([-0.9f]), File.ReadAllBytes(PathOf("krum.npy")));
    }

    [Fact]
    public void Aggregate_SeededChain_IsReproducible()
    {
        string input = Save(NpyBytes.Float32Matrix([[1f, 0f], [2f, 1f], [3f, 0f], [4f, 1f], [100f, -50f], [5f, 0f]]));
        string[] args = ["aggregate", "--rule", "bucketing:s=2+median", "--input", input, "--seed", "11"];
        var first = Simbyz(args);
        var second = Simbyz(args);
        Assert.True(first.Code == 0, first.Err);
        Assert.Equal(first.Out, second.Out);
    }

    [Fact]
    public void Aggregate_TorchBackend_AgreesWithManaged_AndNamesTheDevice()
    {
        string input = Save(NpyBytes.Float64Matrix(Toy));
        var (code, stdout, stderr) = Simbyz("aggregate", "--rule", "median", "--input", input, "--output", PathOf("torch.npy"), "--backend", "torch", "--device", "cpu");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.StartsWith("torch:cpu", json.RootElement.GetProperty("backend").GetString(), StringComparison.Ordinal);
        Assert.Equal(NpyFile.EncodeVector([-0.3f]), File.ReadAllBytes(PathOf("torch.npy")));
    }

    public static TheoryData<string, string[], byte[]?, string> BadRuns => new()
    {
        { "unknown rule", ["--rule", "krumm:f=1"], NpyBytes.Float64Matrix(Toy), "unknown rule 'krumm'" },
        { "unknown parameter", ["--rule", "median:f=1"], NpyBytes.Float64Matrix(Toy), "unknown parameter 'f'" },
        { "bad value", ["--rule", "zeno:b=-1"], NpyBytes.Float64Matrix(Toy), "'b=-1' is invalid" },
        { "malformed spec", ["--rule", "median:"], NpyBytes.Float64Matrix(Toy), "nothing after ':'" },
        { "zeno", ["--rule", "zeno:b=1"], NpyBytes.Float64Matrix(Toy), "validation data" },
        { "zeno++", ["--rule", "zeno++:k=3"], NpyBytes.Float64Matrix(Toy), "zeno++ is an asynchronous rule" },
        { "async-sgd", ["--rule", "async-sgd"], NpyBytes.Float64Matrix(Toy), "async-sgd is an asynchronous rule" },
        { "unknown backend", ["--rule", "mean", "--backend", "tpu"], NpyBytes.Float64Matrix(Toy), "--backend 'tpu' is unknown" },
        { "unknown device", ["--rule", "mean", "--backend", "torch", "--device", "npu"], NpyBytes.Float64Matrix(Toy), "npu" },
        { "missing file", ["--rule", "mean"], null, "file not found" },
        { "int64", ["--rule", "mean"], NpyBytes.Build(NpyBytes.Header("<i8", "(2, 1)"), new byte[16]), "unsupported dtype '<i8'" },
        { "fortran", ["--rule", "mean"], NpyBytes.Build(NpyBytes.Header("<f4", "(2, 2)", fortranOrder: true), new byte[16]), "Fortran" },
        { "rank 1", ["--rule", "mean"], NpyBytes.Build(NpyBytes.Header("<f4", "(3,)"), new byte[12]), "rank 1" },
        { "truncated", ["--rule", "mean"], NpyBytes.Build(NpyBytes.Header("<f8", "(5, 1)"), new byte[39]), "truncated" },
        { "empty", ["--rule", "mean"], NpyBytes.Build(NpyBytes.Header("<f4", "(0, 3)"), []), "is empty" },
    };

    [Theory]
    [MemberData(nameof(BadRuns))]
    public void Aggregate_BadInput_ExitsNonZeroWithOneLineAndNoOutputFile(string label, string[] ruleArgs, byte[]? file, string problem)
    {
        string input = file is null ? PathOf("absent.npy") : Save(file);
        string output = PathOf("out.npy");
        var (code, stdout, stderr) = Simbyz(["aggregate", .. ruleArgs, "--input", input, "--output", output]);

        Assert.NotEqual(0, code);
        Assert.Equal("", stdout);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"{label}: expected one line on stderr, got: {stderr}");
        Assert.StartsWith("simbyz: error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(problem, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(" at SimByz.", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output), $"{label}: output file left behind");
        Assert.DoesNotContain(_folder.GetFiles(), f => f.Name.Contains(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void Aggregate_MissingRuleOption_ExitsNonZero()
    {
        string input = Save(NpyBytes.Float64Matrix(Toy));
        var (code, _, stderr) = Simbyz("aggregate", "--input", input);
        Assert.NotEqual(0, code);
        Assert.Contains("--rule", stderr, StringComparison.Ordinal);
    }
}
