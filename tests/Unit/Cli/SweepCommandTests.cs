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
        Assert.Contains("wrote " + Path.Combine(outDir, "results.csv") + ", summary.md, heatmap.png, heatmap.svg, accuracy.png, accuracy.svg", output, StringComparison.Ordinal);
        foreach (string svg in new[] { "heatmap.svg", "accuracy.svg" })
        {
            Assert.Equal("svg", System.Xml.Linq.XDocument.Load(Path.Combine(outDir, svg)).Root!.Name.LocalName);
        }
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
    [InlineData("")]
    [InlineData("collect")]
    [InlineData("submit", "--slurm", "--dry-run")]
    public void Sweep_EmptyStore_Exit2_OneLine_NothingPrintedOrWritten(params string[] sub)
    {
        // `sweep GRID --store ""` ended the process with Path.GetFullPath's stack trace.
        using var dir = new SweepFixtures.TempDir();
        string grid = Path.Combine(SimByz.Tests.Unit.Simulator.Traces.TraceFixtures.RepoRoot, "sweeps", "example.json");
        string outDir = dir.File("out");
        var args = new[] { "sweep" }.Concat(sub[0] == "" ? [] : [sub[0]]).Concat([grid]).Concat(sub.Skip(1)).Concat(["--out", outDir, "--store", ""]).ToArray();
        var (code, output, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("simbyz: error: --store: the path is empty", err.Trim());
        Assert.Equal("", output); // checked before the grid is planned (its header printed)
        Assert.False(Directory.Exists(outDir));
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
    public void Sweep_IntoADanglingLink_WritesTheStoreAndOutputsAtItsTarget()
    {
        using var dir = new SweepFixtures.TempDir();
        File.WriteAllText(dir.File("grid.json"), SweepFixtures.Grid(SweepFixtures.SmallAxes));
        File.CreateSymbolicLink(dir.File("out"), dir.File("target"));
        var (code, output, err) = Run("sweep", dir.File("grid.json"), "--out", dir.File("out"), "--threads", "2");
        Assert.True(code == 0, output + err);
        Assert.True(File.Exists(Path.Combine(dir.File("target"), "results.csv")));
        Assert.Equal(8, Directory.GetFiles(Path.Combine(dir.File("target"), "runs")).Length);
    }

    [Fact]
    public void Sweep_Quiet_NoProgressOrPerRunLines_StillTheSummaryAndFiles()
    {
        using var dir = new SweepFixtures.TempDir();
        File.WriteAllText(dir.File("grid.json"), SweepFixtures.Grid(SweepFixtures.SmallAxes));
        var (loud, loudOutput, loudErr) = Run("sweep", dir.File("grid.json"), "--out", dir.File("loud"), "--threads", "2");
        Assert.True(loud == 0, loudErr);
        Assert.Contains("progress: 8/8 runs (100 %)", loudOutput, StringComparison.Ordinal);
        Assert.Contains("[8/8] run ", loudOutput, StringComparison.Ordinal);

        var (code, output, err) = Run("sweep", dir.File("grid.json"), "--out", dir.File("quiet"), "--store", dir.File("store"), "--threads", "2", "--quiet");
        Assert.True(code == 0, err);
        Assert.DoesNotContain("progress:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("] run ", output, StringComparison.Ordinal);
        Assert.Contains("0 cached, 8 to run", output, StringComparison.Ordinal);
        Assert.Contains("wrote " + dir.File("quiet/results.csv"), output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(dir.File("loud/results.csv")), File.ReadAllBytes(dir.File("quiet/results.csv")));
    }

    [Fact]
    public void Sweep_RunsEstimatedAboveTheMemoryLimit_RefusedWhilePlanning_Exit2_NothingWritten()
    {
        using var dir = new SweepFixtures.TempDir();
        // 8.6 GB of data per run: refused before the data is loaded (planning would otherwise build it).
        File.WriteAllText(dir.File("big.json"), SweepFixtures.Grid(SweepFixtures.SmallAxes).Replace("features=6,train=1200,test=200", "features=1000000,train=1070,test=1070", StringComparison.Ordinal));
        string outDir = dir.File("out");
        var (code, output, err) = Run("sweep", dir.File("big.json"), "--out", outDir, "--threads", "2", "--max-memory", "16GB");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("simbyz: error: sweep run 0 (", err, StringComparison.Ordinal);
        Assert.Contains("defence = mean) needs about 10.4 GB of memory (data 8.6 GB, 4000004 model parameters in all their copies 1.8 GB)", err, StringComparison.Ordinal);
        Assert.Contains("; 2 runs at once (--threads 2) about 20.7 GB, ", err, StringComparison.Ordinal);
        Assert.Contains("more than the 16 GB of --max-memory 16GB: run fewer at once (--threads)", err, StringComparison.Ordinal);
        Assert.DoesNotContain("runs:", output, StringComparison.Ordinal);
        Assert.Equal(["big.json"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));

        // One run at a time fits under that limit; below a run's own need, fewer threads do not help and the message says so.
        (code, _, err) = Run("sweep", dir.File("big.json"), "--out", outDir, "--threads", "1", "--max-memory", "8GB");
        Assert.Equal(2, code);
        Assert.Contains("more than the 8 GB of --max-memory 8GB: make the data or the model smaller", err, StringComparison.Ordinal);
        (code, _, err) = Run("sweep", dir.File("big.json"), "--out", outDir, "--shard", "0/2", "--store", dir.File("store"), "--max-memory", "8GB");
        Assert.Equal(2, code);
        Assert.Contains("needs about 10.4 GB of memory", err, StringComparison.Ordinal);
        Assert.Equal(["big.json"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Sweep_RunFailsOrStoreUnwritable_Exit2_NoOutputFolderOrEmptyStoreLeft()
    {
        using var dir = new SweepFixtures.TempDir();
        // Zero delays with a time-only budget: every run's clock stalls, an error found only when a run runs (not at planning).
        File.WriteAllText(dir.File("stall.json"), SweepFixtures.Grid(SweepFixtures.SmallAxes)
            .Replace("\"budget.steps=4\"", "\"budget={\\\"steps\\\":0,\\\"time\\\":\\\"1s\\\"}\", \"workers.network=constant:t=0ms\"", StringComparison.Ordinal)
            .Replace("\"axes\": {", "\"axes\": { \"delays\": [\"constant:t=0ms\"],", StringComparison.Ordinal));
        var (code, output, err) = Run("sweep", dir.File("stall.json"), "--out", dir.File("out/sweep"), "--threads", "2");
        Assert.True(code == 2, output + err);
        Assert.Contains("simulated time stopped advancing", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        // Nothing of the sweep: no output folder, no empty store, no parent created for it, no lock or staging sibling.
        Assert.Equal(["stall.json"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));

        // The same with a separate store folder (--store): the store created for the sweep goes too.
        (code, _, err) = Run("sweep", dir.File("stall.json"), "--out", dir.File("out2"), "--store", dir.File("deep/store"), "--threads", "1");
        Assert.Equal(2, code);
        Assert.Equal(["stall.json"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        (code, _, err) = Run("sweep", dir.File("stall.json"), "--shard", "1/2", "--store", dir.File("deep/store"), "--threads", "1");
        Assert.Equal(2, code);
        Assert.Equal(["stall.json"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Sweep_StaleTemporaryOfAKilledWriter_RemovedByTheNextSweep_LiveOnesAndOtherMachinesKept()
    {
        using var dir = new SweepFixtures.TempDir();
        File.WriteAllText(dir.File("grid.json"), SweepFixtures.Grid(SweepFixtures.SmallAxes));
        string runs = dir.File("out/runs");
        Directory.CreateDirectory(runs);
        int dead = DeadProcessId();
        string key = new string('a', 32);
        string stale = Path.Combine(runs, $".{key}.{Environment.MachineName}-{dead}-1.partial");
        string live = Path.Combine(runs, $".{key}.{Environment.MachineName}-{Environment.ProcessId}-1.partial");
        string other = Path.Combine(runs, $".{key}.another-host-{dead}-1.partial");
        foreach (string f in new[] { stale, live, other }) File.WriteAllText(f, "{ half a run");
        var (code, _, err) = Run("sweep", dir.File("grid.json"), "--out", dir.File("out"), "--threads", "2", "--quiet");
        Assert.True(code == 0, err);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(other));
        Assert.Equal(8, Directory.GetFiles(runs, "*.json").Length);
    }

    /// <summary>A process id no process has now.</summary>
    private static int DeadProcessId()
    {
        for (int pid = 4_000_000; ; pid--)
        {
            if (!Directory.Exists("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture))) return pid;
        }
    }

    [Fact]
    public void Sweep_MissingGridFile_Exit2()
    {
        var (code, _, err) = Run("sweep", "no/such/grid.json");
        Assert.Equal(2, code);
        Assert.Contains("grid file 'no/such/grid.json' does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_ShardsThenCollect_ByteIdenticalToTheUnshardedSweep_MissingRunsListedExit3()
    {
        using var dir = new SweepFixtures.TempDir();
        File.WriteAllText(dir.File("grid.json"), SweepFixtures.Grid(
            "\"protocol.maxStaleness\": [0, 4], \"defences\": [\"mean\", \"median\"], \"attacks\": [\"sign-flip:s=4\", \"label-flip\"], \"seeds\": [1, 2]"));
        var (code, _, err) = Run("sweep", dir.File("grid.json"), "--out", dir.File("plain"), "--threads", "2");
        Assert.True(code == 0, err);

        string store = dir.File("store");
        var (c0, out0, e0) = Run("sweep", dir.File("grid.json"), "--shard", "0/3", "--store", store, "--threads", "1");
        Assert.True(c0 == 0, e0);
        Assert.Contains("shard 0/3: ", out0, StringComparison.Ordinal);
        var (missing, listing, _) = Run("sweep", "collect", dir.File("grid.json"), "--store", store, "--out", dir.File("collected"));
        Assert.Equal(3, missing);
        Assert.Contains("runs are missing from", listing, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("collected")));
        foreach (string shard in new[] { "1/3", "2/3" })
        {
            var (c, _, e) = Run("sweep", dir.File("grid.json"), "--shard", shard, "--store", store, "--threads", "2");
            Assert.True(c == 0, e);
        }
        Assert.Equal(16, Directory.GetFiles(store, "*.json").Length); // each run computed by exactly one shard
        var (collected, _, ce) = Run("sweep", "collect", dir.File("grid.json"), "--store", store, "--out", dir.File("collected"));
        Assert.True(collected == 0, ce);
        foreach (string file in new[] { "results.csv", "summary.md", "heatmap.png", "heatmap.svg", "accuracy.png", "accuracy.svg" })
        {
            Assert.Equal(File.ReadAllBytes(dir.File("plain/" + file)), File.ReadAllBytes(dir.File("collected/" + file)));
        }
        string csv = File.ReadAllText(dir.File("plain/results.csv"));
        Assert.StartsWith("run,q,delay,attack,defence,seed,protocol.maxStaleness,test_accuracy,", csv, StringComparison.Ordinal);
        string summary = File.ReadAllText(dir.File("plain/summary.md"));
        Assert.Contains("## protocol.maxStaleness = 4", summary, StringComparison.Ordinal);
        Assert.Contains("95 % confidence interval (Student t", summary, StringComparison.Ordinal);
        Assert.Contains("| rank | defence | worst case | at attack | mean over attacks |", summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--shard", "1/2")]
    [InlineData("--shard", "2/2", "--store", "x")]
    public void Sweep_BadShardOptions_Exit2(params string[] options)
    {
        string grid = Path.Combine(SweepFixtures.RepoRoot, "sweeps", "example.json");
        var (code, _, err) = Run(["sweep", grid, .. options]);
        Assert.Equal(2, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Submit_DryRun_PrintsTheArrayAndCollectScripts_WithAbsoluteCommand()
    {
        using var dir = new SweepFixtures.TempDir();
        string grid = Path.Combine(SweepFixtures.RepoRoot, "sweeps", "example.json");
        var (code, output, err) = Run("sweep", "submit", grid, "--slurm", "--store", dir.File("store"), "--out", dir.File("out"), "--tasks", "4",
            "--partition", "gpu", "--time", "1:00:00", "--cpus-per-task", "2", "--dry-run");
        Assert.True(code == 0, err);
        Assert.Contains("#SBATCH --array=0-3", output, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --partition=gpu", output, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --time=1:00:00", output, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --cpus-per-task=2", output, StringComparison.Ordinal);
        Assert.Contains($"sweep {grid} --shard \"${{SLURM_ARRAY_TASK_ID}}/4\" --store {dir.File("store")}", output, StringComparison.Ordinal);
        Assert.Contains($"sweep collect {grid} --store {dir.File("store")} --out {dir.File("out")}", output, StringComparison.Ordinal);
        Assert.Contains("/simbyz.dll sweep", output, StringComparison.Ordinal); // dotnet with the absolute path of this build
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Submit_DryRun_OutputFolderWithASpace_IsQuotedInTheOutputDirective()
    {
        // sbatch splits a directive at whitespace: unquoted, "#SBATCH --output=/a b/…" was an "Invalid directive".
        using var dir = new SweepFixtures.TempDir();
        string grid = Path.Combine(SweepFixtures.RepoRoot, "sweeps", "example.json");
        string outDir = dir.File("with space/out");
        var (code, output, err) = Run("sweep", "submit", grid, "--slurm", "--store", dir.File("store"), "--out", outDir, "--dry-run");
        Assert.True(code == 0, err);
        Assert.Contains($"#SBATCH --output=\"{outDir}/slurm/shard-%a.out\"\n", output, StringComparison.Ordinal);
        Assert.Contains($"#SBATCH --output=\"{outDir}/slurm/collect.out\"\n", output, StringComparison.Ordinal);
        Assert.Contains($"--out '{outDir}'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_DryRun_FolderWithSbatchSpecialCharacters_IsQuotedEscapedAndItsPercentDoubled()
    {
        // sbatch reads an unquoted '#' as a comment (the log went to a cut path), quotes and backslashes as quoting, and
        // '%' in --output as a pattern; all of these went to a real local Slurm and completed (session 32).
        using var dir = new SweepFixtures.TempDir();
        string grid = Path.Combine(SweepFixtures.RepoRoot, "sweeps", "example.json");
        string outDir = dir.File("x #1 bob's q\"x p%j");
        var (code, output, err) = Run("sweep", "submit", grid, "--slurm", "--store", dir.File("store"), "--out", outDir, "--partition", "gpu#2", "--dry-run");
        Assert.True(code == 0, err);
        string escaped = outDir.Replace("\"", "\\\"", StringComparison.Ordinal).Replace("%", "%%", StringComparison.Ordinal);
        Assert.Contains($"#SBATCH --output=\"{escaped}/slurm/shard-%a.out\"\n", output, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --partition=\"gpu#2\"\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_DryRun_GridNameWithASpace_IsQuotedInTheJobNameDirective()
    {
        using var dir = new SweepFixtures.TempDir();
        File.WriteAllText(dir.File("grid.json"), """{ "name": "two words", "base": "default" }""");
        var (code, output, err) = Run("sweep", "submit", dir.File("grid.json"), "--slurm", "--store", dir.File("store"), "--out", dir.File("out"), "--dry-run");
        Assert.True(code == 0, err);
        Assert.Contains("#SBATCH --job-name=\"simbyz-two words\"\n", output, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --job-name=\"simbyz-two words-collect\"\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--time", "abc", "--time 'abc': expected a Slurm time limit")]
    [InlineData("--time", "1:00:00\n#SBATCH --x", "--time '1:00:00")]
    [InlineData("--time", "10\n", "--time '10")]
    [InlineData("--time", "\u0663\u0660", "expected a Slurm time limit")] // Arabic-Indic digits: not sbatch's
    [InlineData("--partition", "gpu\necho injected", "--partition 'gpu")]
    [InlineData("--partition", "", "--partition '': expected a Slurm partition name")]
    [InlineData("--out", "OUT/a\nb", "a folder whose path holds a line break")]
    [InlineData("--out", "OUT/a\\b", "or a backslash cannot be named in an sbatch --output pattern")]
    [InlineData("--out", "", "--out: the path is empty")]
    public void Submit_ValueThatCannotGoIntoADirective_Exit2BeforeThePlanIsPrinted(string option, string value, string expected)
    {
        // A line break in a directive's value would end it and start a command of the job script.
        using var dir = new SweepFixtures.TempDir();
        string grid = Path.Combine(SweepFixtures.RepoRoot, "sweeps", "example.json");
        value = value.Replace("OUT", dir.File("o"), StringComparison.Ordinal);
        string[] args = ["sweep", "submit", grid, "--slurm", "--store", dir.File("store"), "--dry-run", option, value];
        var (code, output, err) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("simbyz: error: ", err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("30:00")]
    [InlineData("2:00:00")]
    [InlineData("1-12")]
    [InlineData("1-12:30")]
    [InlineData("1-12:30:00")]
    [InlineData("UNLIMITED")]
    [InlineData("infinite")]
    [InlineData("-1")]
    [InlineData("2-")]
    public void Submit_DryRun_EverySlurmTimeFormat_IsAccepted(string time)
    {
        using var dir = new SweepFixtures.TempDir();
        string grid = Path.Combine(SweepFixtures.RepoRoot, "sweeps", "example.json");
        var (code, output, err) = Run("sweep", "submit", grid, "--slurm", "--store", dir.File("store"), "--out", dir.File("out"), "--time", time, "--partition", "gpu,debug", "--dry-run");
        Assert.True(code == 0, err);
        Assert.Contains($"#SBATCH --time={time}\n", output, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --partition=gpu,debug\n", output, StringComparison.Ordinal);
    }
}
