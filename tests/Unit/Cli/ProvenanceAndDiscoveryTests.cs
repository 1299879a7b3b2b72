using Newtonsoft.Json.Linq;
using SimByz.Cli;
using SimByz.Tests.Unit.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

/// <summary>What `run` records and prints about the resolved scenario, and the commands that help find fields.</summary>
public class ProvenanceAndDiscoveryTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Run_WithOverrides_HeaderAndSummaryDescribeTheResolvedScenario()
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-prov-" + Path.GetRandomFileName());
        try
        {
            var (code, output, err) = Run("run", "--set", "protocol.kind=async", "--set", "byzantine.count=4", "--set", "protocol.asyncBuffer=10",
                "--set", "budget.steps=20", "--set", "defences=[\"median\"]", "--set", "protocol.maxStaleness=3", "--out", dir, "--threads", "1");
            Assert.True(code == 0, err);
            Assert.DoesNotContain("8 of them Byzantine", output, StringComparison.Ordinal);
            Assert.Contains("4 Byzantine", output, StringComparison.Ordinal);
            Assert.Contains("asynchronous, buffer 10, max staleness 3", output, StringComparison.Ordinal);
            Assert.DoesNotContain("synchronous,", output.Replace("asynchronous,", "", StringComparison.Ordinal), StringComparison.Ordinal);

            var summary = JObject.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
            var provenance = summary["provenance"]!;
            Assert.Equal(["protocol.kind=async", "byzantine.count=4", "protocol.asyncBuffer=10", "budget.steps=20", "defences=[\"median\"]", "protocol.maxStaleness=3"],
                provenance["overrides"]!.Values<string>());
            Assert.StartsWith("simbyz run --set protocol.kind=async", (string)provenance["commandLine"]!, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty((string)provenance["simbyzVersion"]!));
            Assert.Matches("^([0-9a-f]{40}|unknown)$", (string)provenance["commit"]!);
            Assert.Contains("4/20 Byzantine", (string)summary["setting"]!, StringComparison.Ordinal);
            Assert.Empty(summary["warnings"]!);
            Assert.True(File.Exists(Path.Combine(dir, "plot.svg")));
            // No progress in the table on stdout (a run this short prints none on stderr either).
            Assert.DoesNotContain("defence(s) ×", output, StringComparison.Ordinal);
            Assert.DoesNotContain("ETA", output, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Run_SettingWithoutEffect_WarnsOnStderrAndInSummary_QuietSilencesProgressOnly()
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-warn-" + Path.GetRandomFileName());
        try
        {
            var (code, _, err) = Run("run", "--set", "budget.steps=10", "--set", "defences=[\"mean\"]", "--set", "protocol.maxStaleness=5", "--quiet", "--out", dir);
            Assert.True(code == 0, err);
            string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("simbyz: warning: protocol.maxStaleness 5 has no effect in a synchronous run", line, StringComparison.Ordinal);
            var summary = JObject.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
            Assert.Contains("protocol.maxStaleness 5 has no effect", (string)summary["warnings"]![0]!, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ListFields_ListsScenarioProtocolAndGridFields()
    {
        var (code, output, err) = Run("list", "fields");
        Assert.True(code == 0, err);
        Assert.Contains("protocol.maxStaleness", output, StringComparison.Ordinal);
        Assert.Contains("protocol.asyncBuffer", output, StringComparison.Ordinal);
        Assert.Contains("axes.seeds", output, StringComparison.Ordinal);
        Assert.Contains("one of: all, first-k, deadline", output, StringComparison.Ordinal);
        var (jsonCode, json, _) = Run("list", "fields", "--json");
        Assert.Equal(0, jsonCode);
        var rows = JArray.Parse(json);
        Assert.Contains(rows, r => (string)r["path"]! == "workers.count" && (string)r["default"]! == "10" && (string)r["file"]! == "scenario");
    }

    [Fact]
    public void Schema_WritesBothSchemas()
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-schema-" + Path.GetRandomFileName());
        try
        {
            var (code, _, err) = Run("schema", "--out", dir);
            Assert.True(code == 0, err);
            var scenario = JObject.Parse(File.ReadAllText(Path.Combine(dir, "scenario.schema.json")));
            Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string)scenario["$schema"]!);
            Assert.NotNull(scenario["properties"]!["protocol"]!["properties"]!["asyncBuffer"]);
            var grid = JObject.Parse(File.ReadAllText(Path.Combine(dir, "sweep-grid.schema.json")));
            Assert.NotNull(grid["properties"]!["axes"]!["properties"]!["q"]);
            // Grid files may reference the schema as scenario files do; a schema that forbade the field would flag them.
            Assert.Equal("string", (string)grid["properties"]!["$schema"]!["type"]!);
            Assert.Equal("string", (string)scenario["properties"]!["$schema"]!["type"]!);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("run")]
    [InlineData("replay")]
    [InlineData("reproduce")]
    [InlineData("list")]
    [InlineData("schema")]
    [InlineData("aggregate")]
    [InlineData("sweep")]
    [InlineData("export")]
    public void Help_ShowsExamples(string command)
    {
        var (_, output, _) = Run(command, "--help");
        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        int examples = lines.SkipWhile(l => l != "Examples:").Skip(1).TakeWhile(l => l.StartsWith("simbyz ", StringComparison.Ordinal) || l.StartsWith("then ", StringComparison.Ordinal)).Count();
        Assert.InRange(examples, 2, 3);
    }

    [Theory]
    [InlineData("0", "run")]
    [InlineData("-3", "run")]
    [InlineData("0", "reproduce", "all", "--quick")]
    [InlineData("0", "sweep", "sweeps/example.json")]
    public void Threads_BelowOne_IsRefusedInOneLineAndNothingIsWritten(string threads, params string[] command)
    {
        string outDir = Path.Combine(Path.GetTempPath(), "simbyz-threads-" + Path.GetRandomFileName());
        var args = command.Select(a => a.StartsWith("sweeps/", StringComparison.Ordinal) ? Path.Combine(TraceFixtures.RepoRoot, a) : a)
            .Concat(["--threads", threads, "--out", outDir, "--quiet"]).ToArray();
        var (code, output, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal($"simbyz: error: --threads '{threads}': expected a whole number, at least 1", err.Trim());
        Assert.Equal("", output);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e300")]
    [InlineData("-3")]
    public void Sweep_ProgressIntervalOutOfRange_IsRefusedInOneLine(string seconds)
    {
        // These ended the process with a stack trace (NaN, infinity, too large for a TimeSpan) or were taken as 0 (negative).
        string outDir = Path.Combine(Path.GetTempPath(), "simbyz-progress-" + Path.GetRandomFileName());
        var (code, output, err) = Run("sweep", Path.Combine(TraceFixtures.RepoRoot, "sweeps", "example.json"), "--progress-interval", seconds, "--out", outDir, "--quiet");
        Assert.Equal(2, code);
        Assert.StartsWith("simbyz: error: --progress-interval '", err.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("': expected a number of seconds in [0, 86400]", err.Trim(), StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal("", output);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("")]
    public void Run_UnknownDevice_IsRefusedEvenWhenNothingUsesTorch(string device)
    {
        // The default scenario uses no torch component; an unknown --device used to be accepted without a word there.
        string outDir = Path.Combine(Path.GetTempPath(), "simbyz-device-" + Path.GetRandomFileName());
        var (code, output, err) = Run("run", "--device", device, "--out", outDir, "--quiet");
        Assert.Equal(2, code);
        Assert.Equal($"simbyz: error: device '{device}': expected one of auto, cpu, cuda", err.Trim());
        Assert.Equal("", output);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Run_BadXAxis_SaysTheAllowedValues()
    {
        var (code, _, err) = Run("run", "--x-axis", "epochs", "--out", Path.Combine(Path.GetTempPath(), "simbyz-x-" + Path.GetRandomFileName()));
        Assert.Equal(2, code);
        Assert.Contains("--x-axis 'epochs' is unknown (allowed: steps, time, messages)", err, StringComparison.Ordinal);
    }
}
