using Newtonsoft.Json.Linq;
using SimByz.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Traces;

/// <summary>
/// The golden traces in traces/ pin the simulator's behaviour: any change to what a run does shows
/// up here as a diff. Regenerate (after checking the change is intended) with
/// <c>simbyz run --scenario traces/NAME.scenario.json --out /tmp/g --quiet &amp;&amp; cp /tmp/g/trace.jsonl traces/NAME.jsonl</c>.
/// </summary>
public class GoldenTraceTests
{
    [Theory]
    [InlineData("golden-sync")]
    [InlineData("golden-async")]
    public void Record_GoldenScenario_MatchesCommittedTrace(string name)
    {
        string path = Path.Combine(TraceFixtures.RepoRoot, "traces", name + ".jsonl");
        var committed = TraceDocument.Load(path);
        Assert.True(committed.HashMatches, $"{path}: whole-trace hash does not match");
        // The committed header names the SimByz version that wrote it; compare behaviour, not the version string.
        string version = committed.Header.Value<string>("simbyz")!;
        var fresh = TraceFixtures.Record(TraceFixtures.Golden(name), version: version);
        var divergence = TraceComparison.FirstDivergence(committed, fresh.Lines);
        Assert.True(divergence is null,
            $"the simulation no longer reproduces {path}: {divergence}. If the change is intended, regenerate with " +
            $"`simbyz run --scenario traces/{name}.scenario.json --out /tmp/g --quiet && cp /tmp/g/trace.jsonl traces/{name}.jsonl`");
    }

    [Theory]
    [InlineData("golden-sync", 400_000)]
    [InlineData("golden-async", 400_000)]
    public void GoldenTrace_SmallWithByzantineMessages(string name, long maxBytes)
    {
        string path = Path.Combine(TraceFixtures.RepoRoot, "traces", name + ".jsonl");
        Assert.InRange(new FileInfo(path).Length, 1, maxBytes);
        Assert.Contains(File.ReadLines(path), l => l.StartsWith("{\"type\":\"arrive\"", StringComparison.Ordinal) && JObject.Parse(l).Value<string>("role") == "byzantine");
    }
}
