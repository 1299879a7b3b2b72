using SimByz.Cli;
using SimByz.Tests.Unit.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

public class ReplayCommandTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>`simbyz run` of a golden scenario into a temp folder; returns the trace path.</summary>
    private static string RunGolden(TraceFixtures.TempDir tmp, string name, params string[] extra)
    {
        string dir = tmp.File("run");
        var (code, _, err) = Cli(["run", "--scenario", TraceFixtures.ScenarioPath(name), "--out", dir, "--quiet", "--threads", "2", .. extra]);
        Assert.True(code == 0, err);
        return Path.Combine(dir, "trace.jsonl");
    }

    private static void AssertCleanError(string err, string expected)
    {
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.StartsWith("simbyz: error: ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("golden-sync")]
    [InlineData("golden-async")]
    public void Replay_RunTrace_OkExit0(string name)
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, name);
        var (code, output, err) = Cli("replay", trace);
        Assert.True(code == 0, output + err);
        Assert.Contains("OK: ", output, StringComparison.Ordinal);
        Assert.Contains("records compared", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoTrace_WritesNoTraceFile()
    {
        using var tmp = TraceFixtures.Temp();
        string dir = tmp.File("run");
        var (code, _, err) = Cli("run", "--scenario", TraceFixtures.ScenarioPath("golden-sync"), "--out", dir, "--quiet", "--no-trace");
        Assert.True(code == 0, err);
        Assert.False(File.Exists(Path.Combine(dir, "trace.jsonl")));
        Assert.True(File.Exists(Path.Combine(dir, "metrics.csv")));
    }

    [Fact]
    public void Replay_EditedField_Exit2NamingEditedLine()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-sync");
        string[] lines = File.ReadAllLines(trace);
        int i = Array.FindIndex(lines, l => l.StartsWith("{\"type\":\"arrive\"", StringComparison.Ordinal) && l.Contains("\"msg\":9,", StringComparison.Ordinal));
        // Another worker id within range: only the re-run can tell the record was edited.
        var worker = System.Text.RegularExpressions.Regex.Match(lines[i], "\"worker\":([0-9]+)");
        int edited = (int.Parse(worker.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1) % 2;
        lines[i] = lines[i].Replace(worker.Value, $"\"worker\":{edited}", StringComparison.Ordinal);
        File.WriteAllText(trace, string.Join("\n", lines) + "\n");
        string outDir = tmp.File("replay-out");
        var (code, _, err) = Cli("replay", trace, "--out", outDir);
        Assert.Equal(2, code);
        AssertCleanError(err, $"line {i + 1}: this record was edited");
        Assert.Contains("field 'worker'", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir), "replay left output behind");
    }

    [Fact]
    public void Replay_FieldEditedOutOfRange_Exit2NamingLineAndField()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-sync");
        string[] lines = File.ReadAllLines(trace);
        int i = Array.FindIndex(lines, l => l.StartsWith("{\"type\":\"arrive\"", StringComparison.Ordinal));
        lines[i] = System.Text.RegularExpressions.Regex.Replace(lines[i], "\"msg\":[0-9]+", "\"msg\":99999999999999999999999");
        File.WriteAllText(trace, string.Join("\n", lines) + "\n");
        var (code, _, err) = Cli("replay", trace);
        Assert.Equal(2, code);
        AssertCleanError(err, $"line {i + 1}: 'arrive' record field 'msg': expected an integer in [0, 2^63)");
    }

    [Theory]
    [InlineData("truncate", "the trace is truncated")]
    [InlineData("reorder", "reordered")]
    [InlineData("version", "trace format version 2 is not supported")]
    [InlineData("missing", "file not found")]
    public void Replay_BadTrace_Exit2OneClearLineNoOutput(string damage, string expected)
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-sync");
        string text = File.ReadAllText(trace);
        string[] lines = text.Split('\n');
        switch (damage)
        {
            case "truncate":
                File.WriteAllText(trace, text[..(text.Length * 2 / 3)]);
                break;
            case "reorder":
                (lines[20], lines[30]) = (lines[30], lines[20]);
                File.WriteAllText(trace, string.Join("\n", lines));
                break;
            case "version":
                File.WriteAllText(trace, text.Replace("\"version\":1,", "\"version\":2,", StringComparison.Ordinal));
                break;
            default:
                File.Delete(trace);
                break;
        }
        string outDir = tmp.File("replay-out");
        var (code, _, err) = Cli("replay", trace, "--out", outDir);
        Assert.Equal(2, code);
        AssertCleanError(err, expected);
        if (damage != "missing") Assert.Matches("line [0-9]+", err);
        Assert.False(Directory.Exists(outDir), "replay left output behind");
    }

    [Fact]
    public void Replay_ConsistentButDifferentTrace_Exit1WithFirstDivergence()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-sync");
        var lines = File.ReadAllLines(trace).ToList();
        lines.RemoveAt(lines.Count - 1);
        int i = lines.FindIndex(l => l.StartsWith("{\"type\":\"eval\"", StringComparison.Ordinal) && !l.Contains("\"n\":0,", StringComparison.Ordinal));
        lines[i] = lines[i].Replace("\"step\":", "\"step\":9", StringComparison.Ordinal);
        lines.Add(SimByz.Simulator.Traces.TraceContent.EndRecord(lines, 3));
        File.WriteAllText(trace, string.Join("\n", lines) + "\n");
        var (code, output, _) = Cli("replay", trace);
        Assert.Equal(1, code);
        Assert.Contains($"DIVERGED at line {i + 1}", output, StringComparison.Ordinal);
        Assert.Contains("field 'step'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_Aggregator_WritesMetricsAndComparison()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-async");
        string outDir = tmp.File("cf");
        var (code, output, err) = Cli("replay", trace, "--aggregator", "async-sgd", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("arrivals identical to the recorded run", output, StringComparison.Ordinal);
        string[] comparison = File.ReadAllLines(Path.Combine(outDir, "comparison.csv"));
        Assert.Equal(1 + 2 + 1, comparison.Length);
        Assert.StartsWith("async-sgd,counterfactual,", comparison[^1], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outDir, "metrics.csv")));
    }

    [Fact]
    public void Replay_Attack_EveryRecordedDefenceReRunUnderTheNewAttack()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-sync");
        string outDir = tmp.File("cf");
        var (code, output, err) = Cli("replay", trace, "--attack", "sign-flip:s=1", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("attack sign-flip:s=1", output, StringComparison.Ordinal);
        string[] comparison = File.ReadAllLines(Path.Combine(outDir, "comparison.csv"));
        Assert.Equal(1 + 3 + 3, comparison.Length);
        Assert.Equal(3, comparison.Count(l => l.Contains(",counterfactual,", StringComparison.Ordinal)));
    }

    [Fact]
    public void Replay_Messages_WritesCsvAndSummary()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-sync", "--record-payloads");
        string outDir = tmp.File("msg");
        var (code, output, err) = Cli("replay", trace, "--messages", "--aggregator", "krum:f=2", "--from", "mean", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("Byzantine messages let in", output, StringComparison.Ordinal);
        Assert.True(File.ReadAllLines(Path.Combine(outDir, "messages.csv")).Length > 1);
        Assert.Contains("\"byzantineLetIn\": 0", File.ReadAllText(Path.Combine(outDir, "messages-summary.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_MessagesOnTorchBackend_SelectsLikeTheManagedRule()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-sync", "--record-payloads");
        var (code, output, err) = Cli("replay", trace, "--messages", "--aggregator", "krum:f=2", "--from", "mean", "--out", tmp.File("cpu"));
        Assert.True(code == 0, err);
        (code, output, err) = Cli("replay", trace, "--messages", "--aggregator", "krum:f=2", "--from", "mean", "--out", tmp.File("torch"), "--backend", "torch", "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("backend: torch:cpu", output, StringComparison.Ordinal);
        // Selections agree (Krum is a selection rule; the golden rounds have no near ties); distances within float tolerance.
        string Selected(string dir) => string.Join("\n", File.ReadAllLines(Path.Combine(dir, "messages.csv")).Select(l => string.Join(",", l.Split(',').Where((_, k) => k != 5))));
        Assert.Equal(Selected(tmp.File("cpu")), Selected(tmp.File("torch")));
    }

    /// <summary>A 3-step run of a tiny torch-mlp on the CPU device, asked for by name; returns its trace.</summary>
    private static string RunTorchModel(TraceFixtures.TempDir tmp)
    {
        string dir = tmp.File("torch-run");
        var (code, _, err) = Cli("run", "--set", "task.model=torch-mlp:hidden=8", "--set", "task.data=\"gaussian-mixture:classes=3,features=4,train=800,test=100\"",
            "--set", "budget.steps=3", "--set", "workers.count=4", "--set", "byzantine.count=1", "--set", "defences=[\"mean\"]", "--set", "task.validation=40",
            "--out", dir, "--device", "cpu", "--quiet");
        Assert.True(code == 0, err);
        return Path.Combine(dir, "trace.jsonl");
    }

    [Fact]
    public void Run_TorchModel_RecordsTheDevice_AndReplaysExactly()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunTorchModel(tmp);
        Assert.Contains("\"device\":\"torch:cpu", File.ReadLines(trace).First(), StringComparison.Ordinal);
        var (code, output, err) = Cli("replay", trace, "--device", "cpu");
        Assert.True(code == 0, err + output);
        Assert.Contains("OK:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_TorchModelRecordedWithDeviceCpu_DefaultDevice_ReplaysExactly()
    {
        // The header says how the device was chosen ("requested"); a replay without --device chose it "auto" and
        // diverged at the header before the recorded device kind became the replay's default.
        using var tmp = TraceFixtures.Temp();
        var (code, output, err) = Cli("replay", RunTorchModel(tmp));
        Assert.True(code == 0, err + output);
        Assert.Contains("OK:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_RunOnTheTorchBackend_ReRunsOnIt_Exactly_AndOnCpuDivergesAtTheDevice()
    {
        using var tmp = TraceFixtures.Temp();
        string dir = tmp.File("backend-torch");
        var (code, _, err) = Cli("run", "--scenario", TraceFixtures.ScenarioPath("golden-sync"), "--set", "budget.steps=4", "--set", "defences=[\"median\",\"krum:f=2\"]",
            "--backend", "torch", "--device", "cpu", "--out", dir, "--quiet");
        Assert.True(code == 0, err);
        string trace = Path.Combine(dir, "trace.jsonl");
        (code, var output, err) = Cli("replay", trace);
        Assert.True(code == 0, err + output);
        Assert.Contains("backend: torch:cpu", output, StringComparison.Ordinal);
        Assert.Contains("OK:", output, StringComparison.Ordinal);
        // Asked for the managed backend, the re-run is another computation: it says so at the header's device.
        (code, output, _) = Cli("replay", trace, "--backend", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("field 'device'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_MessagesBufferBelowOneOrAboveEveryMessage_Exit2AndNothingWritten()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-async", "--record-payloads");
        // Below 1 used to be taken as the default without a word; above the messages it replayed nothing and printed NaN.
        foreach (var (buffer, expected) in new[] { ("0", "--buffer 0: expected at least 1"), ("-1", "--buffer -1: expected at least 1"), ("1000000000", "received fewer messages than that") })
        {
            string outDir = tmp.File("msg" + buffer);
            var (code, output, err) = Cli("replay", trace, "--messages", "--aggregator", "median", "--buffer", buffer, "--out", outDir);
            Assert.Equal(2, code);
            AssertCleanError(err, expected);
            Assert.Equal("", output);
            Assert.False(Directory.Exists(outDir));
        }
        var (ok, _, okErr) = Cli("replay", trace, "--messages", "--aggregator", "median", "--buffer", "3", "--out", tmp.File("msg3"));
        Assert.True(ok == 0, okErr);
    }

    [Fact]
    public void Replay_MessagesWithoutPayloads_Exit2()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = RunGolden(tmp, "golden-sync");
        var (code, _, err) = Cli("replay", trace, "--messages", "--aggregator", "krum:f=2");
        Assert.Equal(2, code);
        AssertCleanError(err, "--record-payloads");
    }
}
