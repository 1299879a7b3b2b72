using Newtonsoft.Json.Linq;
using SimByz.Cli;
using SimByz.Tests.Unit.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Cli;

public class ExportCommandTests
{
    [Fact]
    public void ExportPerfetto_GoldenTrace_WritesTraceEventJson()
    {
        using var tmp = TraceFixtures.Temp();
        string file = tmp.File("out.json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["export", "perfetto", Path.Combine(TraceFixtures.RepoRoot, "traces", "golden-async.jsonl"), "-o", file], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        var events = (JArray)JObject.Parse(File.ReadAllText(file))["traceEvents"]!;
        Assert.Contains(events, e => e.Value<string>("ph") == "X");
        Assert.Contains(events, e => e.Value<string>("ph") == "s");
        Assert.Contains(events, e => e.Value<string>("ph") == "f");
    }

    [Fact]
    public void ExportPerfetto_EditedTrace_Exit2NoOutput()
    {
        using var tmp = TraceFixtures.Temp();
        string trace = tmp.File("t.jsonl");
        File.WriteAllText(trace, File.ReadAllText(Path.Combine(TraceFixtures.RepoRoot, "traces", "golden-sync.jsonl")).Replace("\"role\":\"honest\"", "\"role\":\"byzantine\"", StringComparison.Ordinal));
        string file = tmp.File("out.json");
        var stderr = new StringWriter();
        int code = Program.Run(["export", "perfetto", trace, "-o", file], new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.Contains("hash does not match", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }
}
