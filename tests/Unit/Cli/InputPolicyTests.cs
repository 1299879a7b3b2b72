using SimByz.Cli;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

/// <summary>
/// The reproductions of bad input that once crashed or misled, each now one line and exit 2 in SimByz's
/// words; and one policy for JSON wherever it enters (a scenario file and a <c>--set</c> value say the same).
/// </summary>
public class InputPolicyTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string OneLineError(string[] args)
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-policy-" + Path.GetRandomFileName());
        var (code, _, err) = Run([.. args, "--out", dir, "--quiet", "--threads", "1"]);
        Assert.True(code == 2, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("simbyz: error: ", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir), "output left behind");
        return err.Trim()["simbyz: error: ".Length..];
    }

    [Theory]
    [InlineData("task.test=99999999999999999999999", "$.task.test: 99999999999999999999999 is out of range: expected a count in [0, 2147483647] or a fraction in (0, 1)")]
    [InlineData("seed=18446744073709551616", "$.seed: 18446744073709551616 is out of range: expected an integer in [0, 18446744073709551615]")]
    [InlineData("budget.steps=-9223372036854775809", "$.budget.steps: -9223372036854775809 is out of range: expected ≥ 0")]
    [InlineData("workers.count=4294967297", "$.workers.count: 4294967297 is out of range: expected [1, 100000]")]
    [InlineData("optimizer.milestones=[9223372036854775808]", "$.optimizer.milestones[0]: 9223372036854775808 is out of range: expected ≥ 0")]
    public void Run_IntegerBeyond64Bits_OutOfRangeWithTheField(string set, string expected)
        => Assert.EndsWith(expected, OneLineError(["run", "--set", set]), StringComparison.Ordinal);

    [Fact]
    public void Run_DuplicateKey_SameErrorInAFileAndInASetValue()
    {
        string file = Path.Combine(Path.GetTempPath(), "simbyz-policy-" + Path.GetRandomFileName() + ".json");
        File.WriteAllText(file, """{ "budget": { "steps": 1, "steps": 2 } }""");
        try
        {
            Assert.EndsWith("malformed JSON: key 'steps' appears twice in one object", OneLineError(["run", "--scenario", file]), StringComparison.Ordinal);
            Assert.EndsWith("malformed JSON: key 'steps' appears twice in one object", OneLineError(["run", "--set", """budget={"steps":1,"steps":2}"""]), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Run_InvalidUtf8_RejectedNotReplaced()
    {
        string file = Path.Combine(Path.GetTempPath(), "simbyz-policy-" + Path.GetRandomFileName() + ".json");
        File.WriteAllBytes(file, [.. "{ \"name\": \"a"u8, 0xFF, .. "\" }"u8]);
        try
        {
            Assert.Equal($"scenario file '{file}': not UTF-8 text: invalid byte 0xFF at line 1, column 13 (byte 12)", OneLineError(["run", "--scenario", file]));
            // An argument's invalid bytes reach .NET as U+FFFD, as does a JSON escape of half a surrogate pair.
            Assert.Contains("holds U+FFFD, the replacement character", OneLineError(["run", "--set", "name=a\uFFFD"]), StringComparison.Ordinal);
            Assert.Contains("holds U+FFFD, the replacement character", OneLineError(["run", "--set", "name=\"\\ud800\""]), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A trace is read one line at a time, so its size is not limited; a line is (64 MiB): a file of gigabytes
    /// without a line end (the "trace over 2 GB", here sparse) is one line and exit 2 after reading 64 MiB, and a
    /// line that is not UTF-8 is named by its line and column.</summary>
    [Fact]
    public void Replay_TraceOfGigabytesWithoutALineEnd_OrNotUtf8_OneLineNamingTheLine()
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-policy-" + Path.GetRandomFileName());
        Directory.CreateDirectory(dir);
        try
        {
            string huge = Path.Combine(dir, "huge.jsonl");
            using (var f = new FileStream(huge, FileMode.CreateNew)) f.SetLength(3L << 30);
            Assert.Equal($"trace '{huge}' line 1: longer than 67108864 bytes, longer than any trace record (is it a trace.jsonl file?)", OneLineError(["replay", huge]));
            string bad = Path.Combine(dir, "bad.jsonl");
            File.WriteAllBytes(bad, [.. "{\"type\":\"x"u8, 0xC3, 0x28, .. "\"}\n"u8]);
            Assert.Equal($"trace '{bad}' line 1: not UTF-8 text: invalid byte 0xC3 at column 11 (is it a trace.jsonl file?)", OneLineError(["replay", bad]));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Run_ScenarioIsAFolder_SaysSo()
        => Assert.Equal($"scenario file '{Path.GetTempPath().TrimEnd('/')}' is a folder, not a file", OneLineError(["run", "--scenario", Path.GetTempPath().TrimEnd('/')]));

    [Fact]
    public void Run_ParetoTailPastTheClock_NamesTheDelayModel()
    {
        string message = OneLineError(["run", "--set", "workers.compute=pareto:scale=1s,alpha=0.0001", "--set", "defences=[\"mean\"]"]);
        Assert.StartsWith("defence 'mean' at step ", message, StringComparison.Ordinal);
        Assert.Contains("simulated time would pass its limit of about 292 years", message, StringComparison.Ordinal);
        Assert.Contains("workers.compute 'pareto:scale=1s,alpha=0.0001'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "run", "--seed", "-1" }, "--seed '-1': expected a whole number in [0, 18446744073709551615]")]
    [InlineData(new[] { "run", "--threads", "many" }, "--threads 'many': expected an integer in [-2147483648, 2147483647]")]
    [InlineData(new[] { "run", "--sed", "1" }, "unknown option '--sed' for `simbyz run` (did you mean --seed?); `simbyz run --help` lists the options")]
    [InlineData(new[] { "rn" }, "unknown command 'rn' (did you mean run?); `simbyz --help` lists the commands")]
    [InlineData(new[] { "replay" }, "`simbyz replay` needs TRACE; `simbyz replay --help` shows its usage")]
    [InlineData(new[] { "run", "--out" }, "option --out needs a value; `simbyz run --help` describes it")]
    public void CommandLine_ParseError_OneLineInSimByzWords(string[] args, string expected)
    {
        var (code, output, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("simbyz: error: " + expected, err.Trim());
        Assert.DoesNotContain("System.", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage", output + err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("krum:f=10000000000", "parameter 'f=10000000000' is invalid: expected an integer in [0, 2147483647]")]
    [InlineData("krum:f=-10000000000", "parameter 'f=-10000000000' is invalid: expected an integer in [0, 2147483647]")]
    [InlineData("krum:f=-1", "parameter 'f=-1' is invalid: expected an integer ≥ 0")]
    [InlineData("krum:f=x", "parameter 'f=x' is invalid: expected an integer ≥ 0")]
    public void Aggregate_IntegerParameterBeyondAnInt_NamesBothBounds(string rule, string expected)
    {
        // "expected an integer ≥ 0" for 10000000000 did not say what was wrong with it.
        var (code, _, err) = Run("aggregate", "--rule", rule, "--input", "/nonexistent.npy");
        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregate_IterationsInTheBillions_RefusedWhenTheSpecIsRead()
    {
        var (code, _, err) = Run("aggregate", "--rule", "geometric-median:iters=2000000000", "--input", "/nonexistent.npy");
        Assert.Equal(2, code);
        Assert.Contains("parameter 'iters=2000000000' is invalid: expected an integer in [1, 10000]", err, StringComparison.Ordinal);
    }
}
