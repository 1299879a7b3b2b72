using SimByz.Cli;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

public class RunCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Run_SmallScenario_WritesMetricsSummaryAndPlot()
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-run-" + Path.GetRandomFileName());
        try
        {
            var (code, output, err) = Run("run", "--scenario", "default", "--set", "budget.steps=20", "--set", "workers.count=12",
                "--set", "byzantine.count=3", "--set", "defences=[\"mean\",\"zeno:b=3\"]", "--out", dir, "--threads", "2");
            Assert.True(code == 0, err);
            Assert.Contains("zeno:b=3", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dir, "metrics.csv")));
            Assert.True(File.Exists(Path.Combine(dir, "summary.json")));
            Assert.True(new FileInfo(Path.Combine(dir, "plot.png")).Length > 1000);
            Assert.Empty(Directory.GetFiles(dir, "*.partial", SearchOption.AllDirectories).Concat(Directory.GetFiles(dir, ".*")));
            string[] lines = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
            Assert.StartsWith("defence,time_ns,step", lines[0], StringComparison.Ordinal);
            Assert.Equal(2 * 3, lines.Length - 1); // steps 0, 10, 20 for each defence
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("--set", "workers.count=abc", "$.workers.count")]
    [InlineData("--set", "defences=[\"krum:f=99\"]", "krum")]
    [InlineData("--scenario", "nope", "unknown scenario 'nope'")]
    public void Run_BadInput_OneClearLine_NoOutputLeft(string option, string value, string expected)
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-run-" + Path.GetRandomFileName());
        var (code, _, err) = Run("run", option, value, "--out", dir);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any(), "output left behind");
    }
}
