using System.Diagnostics;
using SimByz.Cli;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

/// <summary>
/// An output belongs to one process and appears whole or not at all (README, Guarantees): two processes
/// writing one folder, two runs picking the default folder at once, SIGTERM and SIGKILL at any moment, a full
/// or read-only file system, and the memory bound. The process tests start the built <c>simbyz.dll</c> with
/// <c>dotnet</c>, as a user would.
/// </summary>
public class OutputOwnershipTests
{
    private static readonly string[] RunFiles = ["metrics.csv", "plot.png", "plot.svg", "summary.json", "trace.jsonl"];

    /// <summary>A run long enough (a few seconds) for a second process or a signal to arrive while it works.</summary>
    private static readonly string[] LongRun = ["--quiet", "--threads", "1", "--set", "defences=[\"mean\"]", "--set", "budget.steps=1500"];

    [Theory]
    [InlineData("run")]
    [InlineData("replay")]
    [InlineData("reproduce")]
    public void BadProgressIntervalVariable_RefusedBeforeAnythingIsPrintedOrWritten(string command)
    {
        // SIMBYZ_PROGRESS_INTERVAL=Infinity ended every command that shows progress with a stack trace; then a bad value
        // was refused only after the header was printed. Its own process: the variable is process-wide.
        using var tmp = new TempFolder();
        string[] args = command switch
        {
            "replay" => ["replay", Path.Combine(RepoRoot, "traces", "golden-sync.jsonl"), "--out", "o", "--quiet"],
            "reproduce" => ["reproduce", "toy-median", "--quick", "--out", "o", "--quiet"],
            _ => ["run", "--out", "o", "--quiet"],
        };
        var outcome = SimByzProcess.Start(tmp.Path, args, new Dictionary<string, string> { ["SIMBYZ_PROGRESS_INTERVAL"] = "Infinity" }).Finish();
        Assert.Equal(2, outcome.Code);
        Assert.Equal("simbyz: error: SIMBYZ_PROGRESS_INTERVAL 'Infinity': expected a number of seconds in (0, 86400]", outcome.Err.Trim());
        Assert.Equal("", outcome.Out);
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void Run_SecondProcessIntoTheSameFolder_FailsAtOnceAndTheFirstOwnsTheFolder()
    {
        using var tmp = new TempFolder();
        using var first = SimByzProcess.Start(tmp.Path, ["run", "--seed", "1", "--out", "c", .. LongRun]);
        WaitFor(() => File.Exists(tmp.File(".c.simbyz-lock")), first);
        var second = SimByzProcess.Start(tmp.Path, ["run", "--seed", "2", "--out", "c", .. LongRun]).Finish();
        Assert.Equal(2, second.Code);
        Assert.Equal("simbyz: error: output folder 'c' is in use by another simbyz process (it holds '" + tmp.File(".c.simbyz-lock") +
            "'); wait for it or choose another path", second.Err.Trim());
        Assert.False(first.HasExited, "the first run ended before the second was refused: make LongRun longer");
        var done = first.Finish();
        Assert.True(done.Code == 0, done.Err);
        Assert.Equal(RunFiles, Entries(tmp.File("c")));
        Assert.Contains("\"seed\": 1,", File.ReadAllText(tmp.File("c/summary.json")), StringComparison.Ordinal);
        Assert.Equal(["c"], Entries(tmp.Path));
    }

    [Fact]
    public void Run_TwoProcessesWithTheDefaultFolder_GetOneCompleteFolderEach()
    {
        using var tmp = new TempFolder();
        using var a = SimByzProcess.Start(tmp.Path, ["run", "--quiet", "--threads", "1", "--set", "budget.steps=200"]);
        using var b = SimByzProcess.Start(tmp.Path, ["run", "--quiet", "--threads", "1", "--set", "budget.steps=200"]);
        var (ra, rb) = (a.Finish(), b.Finish());
        Assert.True(ra.Code == 0 && rb.Code == 0, ra.Err + rb.Err);
        Assert.Equal(["default-seed1", "default-seed1-2"], Entries(tmp.File("runs")));
        foreach (string dir in Entries(tmp.File("runs"))) Assert.Equal(RunFiles, Entries(Path.Combine(tmp.File("runs"), dir)));
        // Each process names the folder it wrote, and they differ.
        Assert.NotEqual(LastLine(ra.Out), LastLine(rb.Out));
    }

    [Fact]
    public void Run_SigtermWhileComputing_Exits143WithNothingLeft()
    {
        using var tmp = new TempFolder();
        using var run = SimByzProcess.Start(tmp.Path, ["run", "--out", "t", .. LongRun]);
        WaitFor(() => Directory.Exists(tmp.Path) && Directory.GetDirectories(tmp.Path, ".t.simbyz-stage-*").Length > 0, run);
        run.Signal("TERM");
        var done = run.Finish();
        Assert.Equal(143, done.Code);
        Assert.Contains("cancelled", done.Out, StringComparison.Ordinal);
        Assert.Empty(Entries(tmp.Path));
    }

    [Fact]
    public void Sweep_SigtermBeforeAnyRunFinished_Exits143WithNothingLeft()
    {
        using var tmp = new TempFolder();
        // Two runs of several seconds each, one at a time: the signal comes while the first is computing.
        File.WriteAllText(tmp.File("grid.json"), $$"""
            { "name": "slow", "base": {{Newtonsoft.Json.JsonConvert.ToString(Path.Combine(RepoRoot, "traces", "golden-sync.scenario.json"))}},
              "set": ["budget.steps=6000"], "axes": { "defences": ["mean"], "seeds": [1, 2] } }
            """);
        using var sweep = SimByzProcess.Start(tmp.Path, ["sweep", "grid.json", "--out", "s", "--threads", "1", "--quiet"]);
        WaitFor(() => Directory.Exists(tmp.File("s/runs")), sweep);
        Thread.Sleep(100);
        sweep.Signal("TERM");
        var done = sweep.Finish();
        Assert.True(done.Code == 143, done.ToString() + done.Out);
        Assert.Contains("cancelled: no output written", done.Out, StringComparison.Ordinal);
        Assert.Equal(["grid.json"], Entries(tmp.Path));
    }

    [Fact]
    public void Run_SigtermAtAnyMoment_CompleteOutputOrNothing()
    {
        // Signals spread over the run, the writing of its files and its end: each outcome is all or nothing.
        foreach (int delayMs in new[] { 300, 1500, 3000, 4500 })
        {
            using var tmp = new TempFolder();
            using var run = SimByzProcess.Start(tmp.Path, ["run", "--out", "t", .. LongRun]);
            WaitFor(() => File.Exists(tmp.File(".t.simbyz-lock")) || run.HasExited, run);
            Thread.Sleep(delayMs);
            if (!run.HasExited) run.Signal("TERM");
            var done = run.Finish();
            Assert.True(done.Code is 0 or 143, $"after {delayMs} ms: exit {done.Code}: {done.Err}");
            if (done.Code == 0) Assert.Equal(["t"], Entries(tmp.Path));
            else Assert.Empty(Entries(tmp.Path));
            if (done.Code == 0) Assert.Equal(RunFiles, Entries(tmp.File("t")));
        }
    }

    [Fact]
    public void Run_AfterSigkill_TheNextRunRemovesTheLeftoversAndWrites()
    {
        using var tmp = new TempFolder();
        using (var killed = SimByzProcess.Start(tmp.Path, ["run", "--out", "k", .. LongRun]))
        {
            WaitFor(() => Directory.GetDirectories(tmp.Path, ".k.simbyz-stage-*").Length > 0, killed);
            killed.Signal("KILL");
            Assert.Equal(137, killed.Finish().Code);
        }
        Assert.Contains(Entries(tmp.Path), e => e.StartsWith(".k.simbyz-stage-", StringComparison.Ordinal));
        var next = SimByzProcess.Start(tmp.Path, ["run", "--out", "k", "--quiet", "--set", "budget.steps=5"]).Finish();
        Assert.True(next.Code == 0, next.Err);
        Assert.Equal(["k"], Entries(tmp.Path));
        Assert.Equal(RunFiles, Entries(tmp.File("k")));
    }

    [RootFact]
    public void Run_FullFileSystem_OneLineExit2AndNothingLeft()
    {
        using var tmp = new TempFolder();
        using var full = TmpfsMount.Create(tmp.File("full"), "size=64k");
        // Without a trace the up-front disk check lets the run through; its figures alone overflow 64 KB.
        var (code, output, err) = InProcess("run", "--out", Path.Combine(full.Path, "r"), "--quiet", "--threads", "1", "--no-trace", "--set", "budget.steps=30");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("simbyz: error: ", err, StringComparison.Ordinal);
        Assert.Contains("No space left on device", err, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(full.Path, "r"), err, StringComparison.Ordinal);
        Assert.DoesNotContain(".simbyz-", err, StringComparison.Ordinal);
        Assert.DoesNotContain("wrote", output, StringComparison.Ordinal);
        Assert.Empty(Entries(full.Path));
    }

    [RootFact]
    public void Run_TraceLargerThanTheFreeSpace_RefusedBeforeComputing()
    {
        using var tmp = new TempFolder();
        using var full = TmpfsMount.Create(tmp.File("small"), "size=64k");
        var (code, output, err) = InProcess("run", "--out", Path.Combine(full.Path, "r"), "--quiet", "--threads", "1", "--set", "budget.steps=30");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("simbyz: error: this run's trace would take about ", err, StringComparison.Ordinal);
        Assert.Contains("run with --no-trace", err, StringComparison.Ordinal);
        Assert.DoesNotContain("steps ·", output, StringComparison.Ordinal);
        Assert.Empty(Entries(full.Path));
    }

    [RootFact]
    public void Run_ReadOnlyFileSystem_OneLineExit2BeforeComputing()
    {
        using var tmp = new TempFolder();
        using var readOnly = TmpfsMount.Create(tmp.File("ro"), "size=1m,ro");
        var (code, output, err) = InProcess("run", "--out", Path.Combine(readOnly.Path, "r"), "--quiet", "--set", "budget.steps=5");
        Assert.Equal(2, code);
        Assert.Equal($"simbyz: error: cannot write output folder '{Path.Combine(readOnly.Path, "r")}': Read-only file system", err.Trim());
        Assert.DoesNotContain("steps", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_EstimatedAboveTheMemoryLimit_RefusedBeforeLoading()
    {
        using var tmp = new TempFolder();
        var (code, output, err) = InProcess("run", "--out", tmp.File("m"), "--quiet", "--set", "task.data=gaussian-mixture:features=1000000,train=1070,test=1070",
            "--max-memory", "16GB");
        Assert.Equal(2, code);
        Assert.StartsWith("simbyz: error: this run needs about ", err, StringComparison.Ordinal);
        Assert.Contains("data 8.6 GB", err, StringComparison.Ordinal);
        Assert.Contains("more than the 16 GB of --max-memory 16GB", err, StringComparison.Ordinal);
        Assert.DoesNotContain("d = ", output, StringComparison.Ordinal);
        Assert.Empty(Entries(tmp.Path));

        // Only recorded payloads stay in memory until the end of a run; everything else is streamed to disk.
        (code, _, err) = InProcess("run", "--out", tmp.File("m"), "--quiet", "--record-payloads", "--set", "budget.steps=1000000000000");
        Assert.Equal(2, code);
        Assert.Contains("records kept until the end of the run (recorded payloads)", err, StringComparison.Ordinal);

        (code, _, err) = InProcess("run", "--out", tmp.File("m"), "--quiet", "--max-memory", "much");
        Assert.Equal(2, code);
        Assert.Equal("simbyz: error: --max-memory 'much' is not a size: expected a positive number with an optional unit, e.g. 8GB, 512MiB, 2000000000", err.Trim());
        Assert.Empty(Entries(tmp.Path));
    }

    /// <summary>
    /// Replay and export read a trace one line at a time (README, Guarantees): a trace of tens of MB is replayed exactly,
    /// counterfactually, through the recorded messages, and exported to Perfetto, each in a process whose managed heap is
    /// capped (DOTNET_GCHeapHardLimit) at 16 MiB, less than half the trace's size. A replay that held the trace in memory
    /// needs about ten times its size and dies with "Out of memory." under that cap.
    /// </summary>
    [Fact]
    public void ReplayAndExport_TraceFarLargerThanTheHeapCap_StreamedWithinIt()
    {
        using var tmp = new TempFolder();
        string scenario = Path.Combine(RepoRoot, "traces", "golden-sync.scenario.json");
        var recorded = SimByzProcess.Start(tmp.Path, ["run", "--scenario", scenario, "--set", "defences=[\"mean\"]", "--set", "budget.steps=7000",
            "--record-payloads", "--threads", "1", "--quiet", "--out", "big"]).Finish();
        Assert.True(recorded.Code == 0, recorded.ToString());
        const long heapCap = 16L << 20;
        long traceBytes = new FileInfo(tmp.File("big/trace.jsonl")).Length;
        Assert.True(traceBytes > 2 * heapCap, $"the trace is only {traceBytes} bytes: make the run longer");
        var capped = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x" + heapCap.ToString("X", System.Globalization.CultureInfo.InvariantCulture) };
        string[][] commands =
        [
            ["replay", "big/trace.jsonl", "--out", "exact", "--threads", "1", "--quiet"],
            ["replay", "big/trace.jsonl", "--aggregator", "median", "--out", "counterfactual", "--threads", "1", "--quiet"],
            ["replay", "big/trace.jsonl", "--messages", "--aggregator", "median", "--out", "messages"],
            ["export", "perfetto", "big/trace.jsonl", "-o", "trace.perfetto.json"],
        ];
        string[] expected = ["OK: ", "wrote counterfactual/comparison.csv", "wrote messages/messages.csv", "wrote " + tmp.File("trace.perfetto.json")];
        for (int k = 0; k < commands.Length; k++)
        {
            var r = SimByzProcess.Start(tmp.Path, commands[k], capped).Finish();
            Assert.True(r.Code == 0, $"{string.Join(' ', commands[k])} under a {heapCap >> 20} MiB heap with a {traceBytes >> 20} MiB trace: {r}");
            Assert.Contains(expected[k], r.Out, StringComparison.Ordinal);
        }
        // The streamed outputs are whole: the exact replay's trace is the recorded one, byte for byte.
        Assert.Equal(File.ReadAllBytes(tmp.File("big/trace.jsonl")), File.ReadAllBytes(tmp.File("exact/trace.jsonl")));
        Assert.True(new FileInfo(tmp.File("counterfactual/trace.jsonl")).Length > 2 * heapCap);
    }

    /// <summary>
    /// A sweep keeps nothing per run (README, Guarantees): a grid of 1 000 000 runs (5 defences × 20 attacks × 10 000 seeds of the
    /// tiny scenario) is planned and its Slurm scripts written (<c>sweep submit --slurm --dry-run</c>), and a store of 40 000 runs is
    /// collected into results.csv and summary.md, each in a process whose managed heap is capped at 16 MiB. Before, a plan held a
    /// 32-digit key per run (about 90 MB for the million) and collect a summary of about 600 bytes per run (24 MB for the 40 000):
    /// both died with "Out of memory." under this cap.
    /// </summary>
    [Fact]
    public void Sweep_PlanAMillionRunsAndCollectFortyThousand_WithinAHeapCapThatPerRunStructuresWouldExceed()
    {
        using var tmp = new TempFolder();
        const string tiny = "\"task.data=gaussian-mixture:classes=4,features=6,train=1200,test=200,separation=3\", \"task.validation=200\", " +
            "\"workers.count=8\", \"byzantine.count=2\", \"budget.steps=4\", \"evaluation.every=2\", \"evaluation.trainRows=200\"";
        string attacks = string.Join(", ", Enumerable.Range(1, 20).Select(s => $"\"sign-flip:s={s}\""));
        File.WriteAllText(tmp.File("million.json"), $$"""{ "name": "million", "base": "default", "set": [{{tiny}}], "axes": { "defences": ["mean", "median", "trimmed-mean:b=1", "trimmed-mean:b=2", "trimmed-mean:b=3"], "attacks": [{{attacks}}], "seeds": [{{string.Join(", ", Enumerable.Range(1, 10_000))}}] } }""");
        File.WriteAllText(tmp.File("store.json"), $$"""{ "name": "store", "base": "default", "set": [{{tiny}}], "axes": { "defences": ["mean", "median"], "seeds": [{{string.Join(", ", Enumerable.Range(1, 20_000))}}] } }""");
        const long heapCap = 16L << 20;
        var capped = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x" + heapCap.ToString("X", System.Globalization.CultureInfo.InvariantCulture) };

        var plan = SimByzProcess.Start(tmp.Path, ["sweep", "submit", "million.json", "--slurm", "--store", "s", "--tasks", "64", "--dry-run"], capped).Finish();
        Assert.True(plan.Code == 0, plan.ToString());
        Assert.Contains("1000000 runs: 5 defences × 20 attacks", plan.Out, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --array=0-63", plan.Out, StringComparison.Ordinal);

        // 40 000 stored runs of the real format (made-up numbers), as RunStore.Save writes them.
        var grid = SimByz.Simulator.Sweeps.SweepGrid.Load(tmp.File("store.json"));
        var sweep = SimByz.Simulator.Sweeps.SweepPlan.Create(grid, SimByz.Cli.Commands.VersionCommand.SimByzVersion);
        var store = new SimByz.Simulator.Sweeps.RunStore(tmp.File("store"));
        var expected = new SimByz.Simulator.Engine.RunResult?[sweep.RunCount];
        Parallel.For(0, sweep.RunCount, i =>
        {
            var run = sweep.Run(i);
            var row = new SimByz.Simulator.Engine.MetricsRow
            {
                Defence = run.Defence, TimeNs = 40_000_000, Step = 4, LearningRate = 0.1, TrainLoss = 1.5, ValidationLoss = 1.5,
                ValidationAccuracy = 0.5, TestLoss = 1.5, TestAccuracy = (i % 101) / 100.0,
                Counts = new SimByz.Simulator.Engine.MessageCounts(72, 0, 0, 8, 0, 0), StalenessMin = 0, StalenessMean = 0, StalenessMax = 0,
            };
            var result = new SimByz.Simulator.Engine.RunResult(run.Defence, [row], 4, SimByz.Scheduler.SimTime.FromNanoseconds(40_000_000), 100, 80, "steps");
            store.Save(run, sweep, result);
            expected[i] = result;
        });
        var collect = SimByzProcess.Start(tmp.Path, ["sweep", "collect", "store.json", "--store", "store", "--out", "out"], capped).Finish();
        Assert.True(collect.Code == 0, $"collect of {sweep.RunCount} runs under a {heapCap >> 20} MiB heap: {collect}");
        Assert.Equal(SimByz.Simulator.Sweeps.SweepResults.Csv(sweep, expected), File.ReadAllText(tmp.File("out/results.csv")));
        Assert.Equal(SimByz.Simulator.Sweeps.SweepResults.Markdown(sweep, expected), File.ReadAllText(tmp.File("out/summary.md")));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("/dev/null")]
    [InlineData("")]
    [InlineData("long")]
    public void Run_UnusableOutputPath_OneLineExit2AndNothingWritten(string kind)
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("file"), "x");
        string path = kind switch { "file" => tmp.File("file"), "long" => tmp.File(new string('n', 240)), _ => kind };
        var (code, output, err) = InProcess("run", "--out", path, "--quiet", "--set", "budget.steps=5");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("steps", output, StringComparison.Ordinal);
        Assert.Equal(["file"], Entries(tmp.Path));
        Assert.Equal("x", File.ReadAllText(tmp.File("file")));
    }

    [Fact]
    public void ReplayAndExport_UnusableOutput_RefusedBeforeTheWork()
    {
        using var tmp = new TempFolder();
        Assert.Equal(0, InProcess("run", "--scenario", Path.Combine(RepoRoot, "traces", "golden-sync.scenario.json"), "--out", tmp.File("g"), "--quiet").Code);
        File.WriteAllText(tmp.File("f"), "x");
        var (code, output, err) = InProcess("replay", tmp.File("g/trace.jsonl"), "--out", tmp.File("f"));
        Assert.Equal(2, code);
        Assert.Equal($"simbyz: error: output folder '{tmp.File("f")}' is a file, not a folder", err.Trim());
        Assert.DoesNotContain("OK", output, StringComparison.Ordinal);
        (code, _, err) = InProcess("export", "perfetto", tmp.File("g/trace.jsonl"), "-o", tmp.Path);
        Assert.Equal(2, code);
        Assert.Equal($"simbyz: error: output file '{tmp.Path}' is a folder: give the path of a file", err.Trim());
        Assert.Equal(["f", "g"], Entries(tmp.Path));
    }

    private static (int Code, string Out, string Err) InProcess(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Entries(string dir)
        => Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal).ToArray() : [];

    private static string LastLine(string text) => text.TrimEnd().Split('\n')[^1];

    /// <summary>Polls <paramref name="condition"/> (every 20 ms, at most a minute); fails if the process ends first.</summary>
    private static void WaitFor(Func<bool> condition, SimByzProcess process)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited) Assert.Fail("the process ended before the awaited moment: " + process.Finish());
            if (deadline.Elapsed > TimeSpan.FromMinutes(1)) Assert.Fail("timed out waiting for the process");
            Thread.Sleep(20);
        }
    }

    private static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SimByz.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("SimByz.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The built simbyz started as its own process in <c>dotnet</c>, its output collected.</summary>
    internal sealed class SimByzProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        private SimByzProcess(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public bool HasExited => _process.HasExited;

        public static SimByzProcess Start(string workingDirectory, string[] args, IReadOnlyDictionary<string, string>? environment = null)
        {
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "simbyz.dll"));
            foreach (string a in args) info.ArgumentList.Add(a);
            foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
            return new SimByzProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
        }

        /// <summary>Sends the named signal (TERM, KILL) with kill(1).</summary>
        public void Signal(string name)
        {
            using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        public Outcome Finish()
        {
            if (!_process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                _process.Kill(entireProcessTree: true);
                Assert.Fail("simbyz did not end within 3 minutes");
            }
            return new Outcome(_process.ExitCode, _stdout.Result, _stderr.Result);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    internal sealed record Outcome(int Code, string Out, string Err)
    {
        public override string ToString() => $"exit {Code}: {Err.Trim()}";
    }

    /// <summary>A tmpfs mounted for one test and unmounted after it.</summary>
    private sealed class TmpfsMount : IDisposable
    {
        private TmpfsMount(string path) => Path = path;

        public string Path { get; }

        public static TmpfsMount Create(string path, string options)
        {
            Directory.CreateDirectory(path);
            using var mount = Process.Start("mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]);
            mount.WaitForExit();
            Assert.True(mount.ExitCode == 0, $"mount -t tmpfs -o {options} failed (exit {mount.ExitCode})");
            return new TmpfsMount(path);
        }

        public void Dispose()
        {
            using var umount = Process.Start("umount", [Path]);
            umount.WaitForExit();
        }
    }

    internal sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "simbyz-own-" + System.IO.Path.GetRandomFileName());

        public TempFolder() => Directory.CreateDirectory(Path);

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, true);
        }
    }
}
