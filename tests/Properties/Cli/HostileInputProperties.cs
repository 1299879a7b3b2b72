using System.Text;
using SimByz.Simulator.Traces;
using SimByz.Tests.Properties.Generators;
using Xunit;
using static SimByz.Tests.Properties.Cli.CliHarness;

namespace SimByz.Tests.Properties.Cli;

/// <summary>
/// The hostile-input suite: generated scenarios, .npy files, trace edits and output-path conditions
/// (<see cref="HostileInputArbitraries"/>) given to the <c>simbyz</c> command in-process. Whatever the
/// input, a command succeeds, or exits 2 with one line of error (never an unhandled exception), and an
/// output that was not produced leaves nothing behind: no output folder or file, no working copy, no lock.
/// </summary>
public class HostileInputProperties
{
    private static readonly string[] RunFiles = ["metrics.csv", "plot.png", "plot.svg", "summary.json", "trace.jsonl"];

    [BudgetedProperty(Divisor = 2, Arbitrary = new[] { typeof(HostileInputArbitraries) })]
    public void Run_HostileScenario_SucceedsOrOneLineErrorAndNothingLeft(HostileScenario c)
    {
        using var tmp = new TempFolder();
        string scenario = tmp.File("scenario.json");
        File.WriteAllBytes(scenario, c.FileBytes());
        string outDir = tmp.File("out");
        var r = Run(["run", "--scenario", scenario, "--out", outDir, "--quiet", "--threads", "1", "--max-memory", MaxMemory, .. c.SetArguments(), .. TimeOnlyCap(c)]);
        AssertSuccessOrOneLineError(r);
        if (r.Code == 0)
        {
            Assert.Equal(RunFiles, Directory.GetFileSystemEntries(outDir).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal));
        }
        else
        {
            Assert.False(Directory.Exists(outDir), $"output left after {r}");
        }
        Assert.Empty(WorkingFiles(tmp.Path));
    }

    /// <summary>The numbers at the edges of 32 bits, 64 bits and double precision, and zero's neighbours.</summary>
    private static readonly string[] RangeEdges = ["0", "-1", "2147483648", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999999", "1e400", "4.9e-324", "-0.0"];

    /// <summary>
    /// Every numeric field at every range edge, one at a time, through <c>--set</c> or through the file: the
    /// generated cases above combine edits at random, this covers each pair once.
    /// </summary>
    [Fact]
    public void Run_EveryNumericFieldAtEveryRangeEdge_SucceedsOrOneLineError()
    {
        foreach (string path in HostileInputArbitraries.NumericPaths)
        {
            foreach (string value in RangeEdges)
            {
                Run_HostileScenario_SucceedsOrOneLineErrorAndNothingLeft(new HostileScenario([new ScenarioEdit("set", path, value)], ThroughSet: path.Length % 2 == 0));
            }
        }
    }

    /// <summary>
    /// A budget of simulated time alone runs until that time, however many steps that takes (zero delays are
    /// stopped as a stalled clock, but tiny ones under a long budget are a valid, very long run), so such cases
    /// get a message cap; everything else about them stays hostile.
    /// </summary>
    private static string[] TimeOnlyCap(HostileScenario c)
        => c.Edits.Any(e => e.Path == "budget.steps") && c.Edits.Any(e => e.Path == "budget.time") ? ["--set", "budget.maxMessages=2000"] : [];

    [BudgetedProperty(Arbitrary = new[] { typeof(HostileInputArbitraries) })]
    public void Aggregate_HostileNpy_SucceedsOrOneLineErrorAndNoOutputFile(HostileNpy c)
    {
        using var tmp = new TempFolder();
        string input = tmp.File("grads.npy"), output = tmp.File("out.npy");
        File.WriteAllBytes(input, c.Bytes());
        var r = Run("aggregate", "--rule", c.Rule, "--input", input, "--output", output);
        AssertSuccessOrOneLineError(r);
        // Success only for a file that says what it holds: a header whose shape accounts for every data byte.
        Assert.True(r.Code != 0 || c.IsConsistent, $"accepted an inconsistent file: {r.Out.Trim()}");
        Assert.Equal(r.Code == 0, File.Exists(output));
        Assert.Equal(["grads.npy", .. r.Code == 0 ? new[] { "out.npy" } : []], Directory.GetFileSystemEntries(tmp.Path).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal));
    }

    [BudgetedProperty(Divisor = 2, Arbitrary = new[] { typeof(HostileInputArbitraries) })]
    public void ReplayAndExport_EditedTrace_SucceedsOrOneLineErrorAndNothingLeft(TraceEdit c)
    {
        using var tmp = new TempFolder();
        string trace = GoldenTrace.CopyTo(tmp.Path);
        Edit(trace, c);
        string output = tmp.File(c.Command == "export" ? "out.json" : "out");
        var r = c.Command switch
        {
            "export" => Run("export", "perfetto", trace, "-o", output),
            "messages" => Run("replay", trace, "--messages", "--aggregator", "median", "--out", output),
            "exact" => Run("replay", trace, "--out", output, "--threads", "1", "--max-memory", MaxMemory),
            _ => Run("replay", trace, "--aggregator", "median", "--out", output, "--threads", "1", "--max-memory", MaxMemory),
        };
        // Exit 1 is exact replay's verdict "diverged", with the first divergence on standard output.
        AssertSuccessOrOneLineError(r, c.Command == "exact" ? [1] : []);
        if (r.Code == 1) Assert.Contains("DIVERGED at", r.Out, StringComparison.Ordinal);
        if (r.Code == 2) Assert.False(File.Exists(output) || Directory.Exists(output), $"output left after {r}");
        Assert.Empty(WorkingFiles(tmp.Path));
    }

    private static void Edit(string trace, TraceEdit c)
    {
        string path = c.Kind == "index" ? Path.Combine(Path.GetDirectoryName(trace)!, TraceContent.PayloadIndexFileName) : trace;
        var lines = File.ReadAllText(path).Split('\n')[..^1].ToList();
        int i = c.LinePick % lines.Count;
        switch (c.Kind)
        {
            case "field" or "index":
                lines[i] = SetField(lines[i], c.FieldPick, c.Value);
                break;
            case "delete-field":
                lines[i] = RemoveField(lines[i], c.FieldPick);
                break;
            case "duplicate-field":
                lines[i] = "{" + FieldText(lines[i], c.FieldPick) + "," + lines[i][1..];
                break;
            case "delete-line":
                lines.RemoveAt(i);
                break;
            case "swap-lines":
                int j = (i + 1 + c.FieldPick) % lines.Count;
                (lines[i], lines[j]) = (lines[j], lines[i]);
                break;
            case "empty-line":
                lines[i] = "";
                break;
        }
        if (c.Rehash && c.Kind != "index") Rehash(lines);
        byte[] bytes = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
        if (c.Kind == "bytes")
        {
            int at = Encoding.UTF8.GetByteCount(string.Join("\n", lines.Take(i))) + 3;
            bytes = [.. bytes[..at], 0xFF, 0xC0, .. bytes[at..]];
        }
        if (c.Kind == "truncate") bytes = bytes[..(int)((long)bytes.Length * (c.LinePick % 1000) / 1000)];
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>The fields of a record line, split at top-level commas (records are flat but for small arrays and the header).</summary>
    private static List<string> Fields(string line)
    {
        var fields = new List<string>();
        int depth = 0, start = 1;
        bool inString = false;
        for (int k = 1; k < line.Length - 1; k++)
        {
            char ch = line[k];
            if (inString)
            {
                if (ch == '\\') k++;
                else if (ch == '"') inString = false;
                continue;
            }
            if (ch == '"') inString = true;
            else if (ch is '[' or '{') depth++;
            else if (ch is ']' or '}') depth--;
            else if (ch == ',' && depth == 0)
            {
                fields.Add(line[start..k]);
                start = k + 1;
            }
        }
        fields.Add(line[start..^1]);
        return fields;
    }

    private static string FieldText(string line, int pick)
    {
        if (line.Length < 2 || line[0] != '{') return "\"x\":1";
        var fields = Fields(line);
        return fields[pick % fields.Count];
    }

    private static string SetField(string line, int pick, string value)
    {
        if (line.Length < 2 || line[0] != '{') return value;
        var fields = Fields(line);
        int k = pick % fields.Count;
        string key = fields[k][..(fields[k].IndexOf("\":", StringComparison.Ordinal) + 2)];
        fields[k] = key + value;
        return "{" + string.Join(",", fields) + "}";
    }

    private static string RemoveField(string line, int pick)
    {
        if (line.Length < 2 || line[0] != '{') return line;
        var fields = Fields(line);
        fields.RemoveAt(pick % fields.Count);
        return "{" + string.Join(",", fields) + "}";
    }

    /// <summary>Rewrites the end record's whole-trace hash over the lines before it (the last line when it is an end record).</summary>
    private static void Rehash(List<string> lines)
    {
        int end = lines.FindLastIndex(l => l.StartsWith("{\"type\":\"end\"", StringComparison.Ordinal));
        if (end < 0) return;
        string hash = TraceContent.HashLines(lines, end);
        int at = lines[end].IndexOf("\"hash\":\"", StringComparison.Ordinal);
        if (at < 0) return;
        lines[end] = lines[end][..(at + 8)] + hash + "\"}";
    }

    [BudgetedProperty(Divisor = 2, Arbitrary = new[] { typeof(HostileInputArbitraries) })]
    public void Output_AnyPathCondition_SucceedsOrOneLineErrorAndNothingChanged(OutputCondition c)
    {
        using var tmp = new TempFolder();
        string trace = GoldenTrace.CopyTo(Directory.CreateDirectory(tmp.File("input")).FullName);
        bool isFile = c.Command == "export";
        string fresh = tmp.File(isFile ? "out.json" : "out");
        using var setup = OutputSetup.Create(c, tmp, fresh, trace);
        string before = setup.Observed is null ? "" : Snapshot(setup.Observed);
        string[] parentBefore = WorkingFiles(setup.Parent);

        var r = c.Command switch
        {
            "run" => Run("run", "--scenario", Path.Combine(RepoRoot, "traces", "golden-sync.scenario.json"), "--set", "budget.steps=2", "--out", setup.Path,
                "--quiet", "--threads", "1", "--max-memory", MaxMemory),
            "export" => Run("export", "perfetto", trace, "-o", setup.Path),
            "messages" => Run("replay", trace, "--messages", "--aggregator", "median", "--out", setup.Path),
            _ => Run("sweep", GoldenTrace.Grid(tmp.Path), "--out", setup.Path, "--threads", "1"),
        };
        AssertSuccessOrOneLineError(r);
        Assert.True(r.Code == 0 || !setup.MustSucceed, $"expected success: {r}");
        Assert.True(r.Code == 2 || !setup.MustFail, $"expected an error: {r}");
        if (r.Code == 0)
        {
            string written = setup.Resolved;
            if (isFile)
            {
                Assert.True(File.Exists(written), $"no output file at {written}");
            }
            else
            {
                var names = Directory.GetFileSystemEntries(written).Select(e => Path.GetFileName(e)).ToHashSet(StringComparer.Ordinal);
                string expected = c.Command switch { "run" => "trace.jsonl", "messages" => "messages.csv", _ => "results.csv" };
                Assert.Contains(expected, names);
                Assert.DoesNotContain("foreign.txt", names);
                Assert.DoesNotContain(names, n => n.Contains(".simbyz-", StringComparison.Ordinal));
            }
            // Working copies of the dead process are gone; a lock nobody holds may be taken over and removed.
            Assert.Empty(WorkingFiles(setup.Parent));
        }
        else
        {
            if (setup.Observed is not null) Assert.Equal(before, Snapshot(setup.Observed));
            Assert.Equal(parentBefore, WorkingFiles(setup.Parent));
        }
    }

    /// <summary>An output path put in the condition a case names, and what to check afterwards.</summary>
    private sealed class OutputSetup : IDisposable
    {
        private IDisposable? _holder;

        /// <summary>The path given to the command.</summary>
        public required string Path { get; init; }

        /// <summary>Where hidden working files of the output would appear.</summary>
        public required string Parent { get; init; }

        /// <summary>What must be unchanged after an error (null: nothing to compare, e.g. a device).</summary>
        public string? Observed { get; init; }

        /// <summary>Where the output is after a success (a symbolic link's target).</summary>
        public required string Resolved { get; init; }

        public bool MustSucceed { get; init; }

        public bool MustFail { get; init; }

        public static OutputSetup Create(OutputCondition c, TempFolder tmp, string fresh, string trace)
        {
            bool file = c.Command == "export";
            string name = System.IO.Path.GetFileName(fresh);
            OutputSetup At(string path, bool succeed, bool fail, string? observed = null, string? resolved = null)
                => new() { Path = path, Parent = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path.Length == 0 ? "." : path))!, Observed = observed ?? path, Resolved = resolved ?? path, MustSucceed = succeed, MustFail = fail };
            switch (c.Target)
            {
                case "missing":
                    return At(fresh, true, false);
                case "missing-parents":
                    return At(tmp.File(System.IO.Path.Combine("a", "b", name)), true, false, observed: tmp.File("a"));
                case "empty-folder":
                    Directory.CreateDirectory(fresh);
                    return At(fresh, !file, file);
                case "previous-output":
                    if (file)
                    {
                        File.WriteAllText(fresh, "{}");
                    }
                    else
                    {
                        Directory.CreateDirectory(fresh);
                        File.WriteAllText(System.IO.Path.Combine(fresh, "summary.json"), "old");
                        File.WriteAllText(System.IO.Path.Combine(fresh, "metrics.csv"), "old");
                    }
                    return At(fresh, true, false);
                case "foreign-file-inside":
                    Directory.CreateDirectory(fresh);
                    File.WriteAllText(System.IO.Path.Combine(fresh, "foreign.txt"), "mine");
                    return At(fresh, false, true);
                case "is-file":
                    File.WriteAllText(fresh, "x");
                    return At(fresh, file, !file);
                case "dev-null":
                    return At("/dev/null", false, true, observed: "/dev/null");
                case "symlink-to-folder":
                {
                    string real = Directory.CreateDirectory(tmp.File("real")).FullName;
                    File.CreateSymbolicLink(fresh, real);
                    return At(fresh, !file, file, resolved: real);
                }
                case "symlink-to-file":
                {
                    string real = tmp.File("real.json");
                    File.WriteAllText(real, "{}");
                    File.CreateSymbolicLink(fresh, real);
                    return At(fresh, file, !file, resolved: real);
                }
                case "dangling-symlink":
                    File.CreateSymbolicLink(fresh, tmp.File("nowhere"));
                    return At(fresh, true, false, resolved: tmp.File("nowhere"));
                case "name-230" or "name-231" or "name-300":
                {
                    int length = int.Parse(c.Target[5..], System.Globalization.CultureInfo.InvariantCulture);
                    return At(tmp.File(new string('n', length)), length <= 230, length > 230);
                }
                case "empty-path":
                    return new OutputSetup { Path = "", Parent = tmp.Path, Observed = null, Resolved = "", MustFail = true };
                case "under-a-file":
                    File.WriteAllText(tmp.File("file.txt"), "x");
                    return At(tmp.File(System.IO.Path.Combine("file.txt", name)), false, true, observed: tmp.File("file.txt"));
                case "root":
                    return new OutputSetup { Path = "/", Parent = "/", Observed = null, Resolved = "/", MustFail = true };
                case "trailing-separator":
                    return At(fresh + "/", !file, false, observed: fresh, resolved: fresh);
                case "held":
                {
                    var setup = At(fresh, false, true);
                    setup._holder = file ? new SimByz.Simulator.Output.AtomicFile(fresh) : new SimByz.Simulator.Output.AtomicOutput(fresh);
                    return setup;
                }
                case "stale-copies":
                    Directory.CreateDirectory(System.IO.Path.Combine(tmp.Path, $".{name}.simbyz-stage-999999", "junk"));
                    File.WriteAllText(System.IO.Path.Combine(tmp.Path, $".{name}.simbyz-lock"), "");
                    return At(fresh, true, false);
                case "old-copy-aside":
                {
                    string old = System.IO.Path.Combine(tmp.Path, $".{name}.simbyz-old-999999");
                    if (file)
                    {
                        File.WriteAllText(old, "{}");
                    }
                    else
                    {
                        Directory.CreateDirectory(old);
                        File.WriteAllText(System.IO.Path.Combine(old, "summary.json"), "old");
                    }
                    return At(fresh, true, false);
                }
                default:
                    throw new InvalidOperationException(c.Target);
            }
        }

        public void Dispose() => _holder?.Dispose();
    }

    /// <summary>The golden sync trace with its payloads, recorded once and copied for each case.</summary>
    private static class GoldenTrace
    {
        private static readonly Lazy<string> Recorded = new(Record);

        public static string CopyTo(string folder)
        {
            foreach (string f in Directory.GetFiles(Recorded.Value)) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
            return Path.Combine(folder, TraceContent.FileName);
        }

        /// <summary>A grid of two tiny runs, for the sweep command.</summary>
        public static string Grid(string folder)
        {
            string path = Path.Combine(folder, "grid.json");
            File.WriteAllText(path, $$"""
            { "name": "tiny", "base": {{Newtonsoft.Json.JsonConvert.ToString(Path.Combine(RepoRoot, "traces", "golden-sync.scenario.json"))}},
              "set": ["budget.steps=2"], "axes": { "defences": ["mean"], "seeds": [1, 2] } }
            """);
            return path;
        }

        private static string Record()
        {
            string dir = Path.Combine(Path.GetTempPath(), "simbyz-hostile-golden-" + Environment.ProcessId);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            var r = Run("run", "--scenario", Path.Combine(RepoRoot, "traces", "golden-sync.scenario.json"), "--out", dir, "--quiet", "--threads", "1", "--record-payloads");
            if (r.Code != 0) throw new InvalidOperationException("recording the golden trace failed: " + r);
            foreach (string f in new[] { "metrics.csv", "summary.json", "plot.png" }) File.Delete(Path.Combine(dir, f));
            return dir;
        }
    }
}
