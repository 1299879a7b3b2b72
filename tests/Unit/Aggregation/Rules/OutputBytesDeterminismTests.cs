using System.Diagnostics;
using System.Security.Cryptography;
using SimByz.Aggregation;
using SimByz.Aggregation.IO;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// The rules' output bytes are pinned: golden hashes on a batch that reaches every code path (several
/// parallel chunks, a tail shorter than a vector, Gaussian columns, columns of a few repeated values,
/// −0, ±∞ and NaN), the same bytes with one thread and with four, and the same bytes in a separate
/// <c>simbyz aggregate</c> process with AVX-512 off, AVX2 off and no hardware intrinsics at all
/// (DESIGN.md, determinism contract). A change of a hash changes every trace recorded with that rule.
/// </summary>
[Collection(nameof(ParallelAllocationTests))]
public sealed class OutputBytesDeterminismTests
{
    private const int N = 23;
    private const int D = 2 * 16384 + 203;

    public static TheoryData<string, string> Golden => new()
    {
        { "mean", "F48D98BB396F1242" },
        { "median", "E01AC7536EF247C5" },
        { "trimmed-mean:b=4", "99CD285AB20B2C75" },
        { "meamed:f=4", "6A0E2821CBBEB39F" },
        { "krum:f=4", "8947DED562E4418F" },
        { "krum:f=4,variant=byzfl", "8947DED562E4418F" },
        { "multi-krum:f=4", "5B8AF04FAD86D421" },
        { "cc:tau=20,iters=2", "242C798B89129F72" },
        { "geometric-median", "DCDF7DCE4613BA98" },
        { "geometric-median:variant=fedlib", "EA9F68CFDA0C4BA0" },
        { "bulyan:f=4", "FCE5FFFA4E698C7B" },
        { "bulyan:f=4,variant=aggregathor", "5E72AC5A8CAC3640" },
    };

    /// <summary>n×d input: mostly Gaussian; every third column a few repeated values; −0 here and there;
    /// a few non-finite values in one row only (so the distance rules keep finite rows to choose from).</summary>
    internal static float[] Input()
    {
        var stream = new RandomStream(20261130);
        var data = new float[N * D];
        float[] palette = [-1.5f, -0.25f, -0f, 0f, 0.25f, 1f, 3f];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < D; j++)
            {
                data[i * D + j] = j % 3 == 1 ? palette[stream.NextInt(palette.Length)] : (float)stream.NextNormal(0.1, 1.0 + i % 5);
            }
        }
        for (int k = 0; k < 40; k++) data[5 * D + stream.NextInt(D)] = (k % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
        for (int k = 0; k < 40; k++) data[stream.NextInt(N) * D + stream.NextInt(D)] = -0f;
        return data;
    }

    private static float[] Run(string spec, float[] data, int threads)
    {
        return ChunkThreads.With(threads, () =>
        {
            var rule = AggregatorCatalog.BuiltIn.Create(spec, new AggregatorBuildContext(Seed: 3, DeclaredByzantine: 4));
            var output = new float[D];
            rule.Aggregate(new GradientBatch(data, N, D), output, AggregationContext.None);
            return output;
        });
    }

    private static string Hash(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return Convert.ToHexString(SHA256.HashData(bytes))[..16];
    }

    [Theory]
    [MemberData(nameof(Golden))]
    public void Aggregate_FixedInput_MatchesGoldenHashWithOneAndFourThreads(string spec, string expected)
    {
        var data = Input();
        string one = Hash(Run(spec, data, 1));
        string four = Hash(Run(spec, data, 4));
        Assert.Equal(one, four);
        Assert.Equal(expected, one);
    }

    /// <summary>
    /// <c>simbyz aggregate</c> in its own process under each instruction-set setting writes the bytes this
    /// process computes with every extension the machine has, and <c>simbyz version</c> there reports that the
    /// setting took effect. (On a machine without AVX-512 the first
    /// setting changes nothing; the others still differ from the default.)
    /// </summary>
    [Fact]
    public void Aggregate_WithoutAvx512OrAvx2OrIntrinsics_WritesTheSameBytes()
    {
        var data = Input();
        var folder = Directory.CreateTempSubdirectory("simbyz-isa-");
        try
        {
            string input = Path.Combine(folder.FullName, "grads.npy");
            NpyFile.WriteMatrix(input, data, N, D);
            // .NET 10's names (DOTNET_EnableAVX512F of .NET 8 and 9 is ignored by .NET 10, so a test under it ran
            // the AVX-512 path again); each setting is checked to take effect in the child process.
            string[] settings = ["DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic"];
            var failures = new List<string>();
            foreach (string setting in settings)
            {
                var (code, err, instructions) = Simbyz(setting, ["version"]);
                string used = instructions.Split('\n').FirstOrDefault(l => l.StartsWith("instructions ", StringComparison.Ordinal)) ?? "";
                string[] forbidden = setting switch
                {
                    "DOTNET_EnableAVX512" => ["avx512"],
                    "DOTNET_EnableAVX2" => ["avx512", "avx2"],
                    _ => ["avx512", "avx2", "fma", "sse2", "neon"],
                };
                Assert.True(code == 0, $"simbyz version with {setting}=0: exit {code}: {err}");
                Assert.StartsWith("instructions ", used);
                foreach (string isa in forbidden) Assert.DoesNotContain(" " + isa, " " + used["instructions ".Length..].Trim() + " ");
                if (setting == "DOTNET_EnableHWIntrinsic") Assert.Equal("instructions none", used.Trim());
            }
            foreach (var (spec, _) in Golden.Select(row => ((string)row[0], (string)row[1])))
            {
                byte[] expected = NpyFile.EncodeVector(Run(spec, data, 4));
                foreach (string setting in settings)
                {
                    string output = Path.Combine(folder.FullName, "out.npy");
                    File.Delete(output);
                    var (code, err, _) = Simbyz(setting, ["aggregate", "--rule", spec, "--input", input, "--output", output]);
                    if (code != 0) failures.Add($"{spec} with {setting}=0: exit {code}: {err.Trim()}");
                    else if (!File.ReadAllBytes(output).AsSpan().SequenceEqual(expected)) failures.Add($"{spec} with {setting}=0: different bytes");
                }
            }
            Assert.Empty(failures);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static (int Code, string Err, string Out) Simbyz(string disabled, string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "simbyz.dll"));
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment[disabled] = "0";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "did not end within 3 minutes", "");
        }
        return (process.ExitCode, stderr.Result, stdout.Result);
    }
}
