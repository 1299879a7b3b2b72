using SimByz.Cli;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

/// <summary>
/// The engine's limits as a user meets them: a clock that stops advancing and a delay that would carry simulated
/// time past its range are one line of error and exit 2, for <c>run</c> and <c>sweep</c>, with nothing left behind.
/// </summary>
public class EngineLimitsCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string NewFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-limits-" + Path.GetRandomFileName());
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void Run_ZeroDelaysAndATimeOnlyBudget_OneLineExit2NamingTheCause()
    {
        string dir = NewFolder();
        try
        {
            var (code, _, err) = Run("run", "--quiet", "--out", Path.Combine(dir, "o"), "--set", "workers.compute=\"constant:t=0ms\"",
                "--set", "workers.network=\"constant:t=0ms\"", "--set", "budget={\"steps\":0,\"time\":\"1s\"}");
            Assert.Equal(2, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.StartsWith("simbyz: error: defence 'mean' at step ", err, StringComparison.Ordinal);
            Assert.Contains("simulated time stopped advancing at 0ns", err, StringComparison.Ordinal);
            Assert.Contains("zero compute and network delays with a time-only budget never end", err, StringComparison.Ordinal);
            Assert.Contains("workers.compute 'constant:t=0ms'", err, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Run_DelayPastTheClockRange_OneLineExit2NamingTheWorkerAndTheSpec()
    {
        string dir = NewFolder();
        try
        {
            var (code, _, err) = Run("run", "--quiet", "--out", Path.Combine(dir, "o"), "--set", "workers.compute=\"pareto:scale=1s,alpha=0.0001\"");
            Assert.Equal(2, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Matches(@"^simbyz: error: defence 'mean' at step \d+: worker \d+'s compute delay 'pareto:scale=1s,alpha=0\.0001' drew ", err);
            Assert.Contains("comes from workers.compute 'pareto:scale=1s,alpha=0.0001'", err, StringComparison.Ordinal);
            Assert.DoesNotContain(" at SimByz.", err, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Sweep_DelayPastTheClockRange_OneLineExit2NamingTheWorkerAndTheSpec()
    {
        string dir = NewFolder();
        try
        {
            File.WriteAllText(Path.Combine(dir, "grid.json"), """
                { "name": "overflow", "base": "default",
                  "set": ["workers.count=8", "byzantine.count=2", "budget.steps=300", "workers.compute=\"pareto:scale=1s,alpha=0.0001\""],
                  "axes": { "defences": ["mean"], "seeds": [1] } }
                """);
            var (code, _, err) = Run("sweep", Path.Combine(dir, "grid.json"), "--out", Path.Combine(dir, "o"), "--threads", "1");
            Assert.Equal(2, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Matches(@"worker \d+'s compute delay 'pareto:scale=1s,alpha=0\.0001' drew ", err);
            // The sweep's run store may stay (it is what a resumed sweep reads), but no results appear.
            Assert.False(File.Exists(Path.Combine(dir, "o", "results.csv")), "a failed sweep wrote results");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Run_StepBudgetWhoseTraceCannotFitOnDisk_RefusedBeforeRunning()
    {
        string dir = NewFolder();
        try
        {
            // Memory no longer grows with the steps, so a huge step budget would run until the trace filled the disk.
            var (code, output, err) = Run("run", "--quiet", "--out", Path.Combine(dir, "o"), "--set", "budget.steps=2147483648");
            Assert.Equal(2, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.StartsWith("simbyz: error: this run's trace would take about ", err, StringComparison.Ordinal);
            Assert.Contains("run with --no-trace", err, StringComparison.Ordinal);
            Assert.DoesNotContain("d = ", output, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
