using SimByz.Cli;
using SimByz.Tests.Unit.Sweeps;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

public class SweepCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Sweep_ExampleGrid_WritesResultsSummaryHeatmap_ThenRerunsFromTheStore()
    {
        using var dir = new SweepFixtures.TempDir();
        string grid = Path.Combine(SweepFixtures.RepoRoot, "sweeps", "example.json");
        string outDir = dir.File("out");
        var (code, output, err) = Run("sweep", grid, "--out", outDir, "--threads", "2");
        Assert.True(code == 0, err);
        Assert.Contains("0 cached, 80 to run", output, StringComparison.Ordinal);
        string[] lines = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.Equal(81, lines.Length);
        Assert.StartsWith("run,q,delay,attack,defence,seed,test_accuracy", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("0,4,\"lognormal:mu=-4.6,sigma=0.25\",none,mean,1,", lines[1], StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(outDir, "heatmap.png")).Length > 10_000);
        string summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        Assert.Contains("## q = 8", summary, StringComparison.Ordinal);
        Assert.Equal(80, Directory.GetFiles(Path.Combine(outDir, "runs"), "*.json").Length);
        Assert.Empty(Directory.GetFiles(outDir, ".*", SearchOption.AllDirectories)); // no temporary left

        byte[] csv = File.ReadAllBytes(Path.Combine(outDir, "results.csv"));
        var (code2, output2, err2) = Run("sweep", grid, "--out", outDir, "--threads", "1");
        Assert.True(code2 == 0, err2);
        Assert.Contains("80 cached, 0 to run", output2, StringComparison.Ordinal);
        Assert.Equal(csv, File.ReadAllBytes(Path.Combine(outDir, "results.csv")));
    }

    [Theory]
    [InlineData("""{ "axes": { "attacks": ["none", "nonsense"] } }""", "$.axes.attacks[1]: unknown attack 'nonsense'")]
    [InlineData("""{ "axes": { "q": [4, 20] } }""", "$.axes.q[1]: q = 20")]
    [InlineData("""{ "axes": { "defences": ["mean", "krum"], "q": [4, 9] } }""", "$.axes.defences[1]: ")]
    [InlineData("""{ "axes": { "q": [4] """, "malformed JSON")]
    public void Sweep_BadGrid_Exit2_OneLine_NothingWritten(string json, string expected)
    {
        using var dir = new SweepFixtures.TempDir();
        File.WriteAllText(dir.File("grid.json"), json);
        string outDir = dir.File("out");
        var (code, _, err) = Run("sweep", dir.File("grid.json"), "--out", outDir);
        Assert.Equal(2, code);
        Assert.StartsWith("simbyz: error: " + dir.File("grid.json") + ": ", err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Sweep_MissingGridFile_Exit2()
    {
        var (code, _, err) = Run("sweep", "no/such/grid.json");
        Assert.Equal(2, code);
        Assert.Contains("grid file 'no/such/grid.json' does not exist", err, StringComparison.Ordinal);
    }
}
