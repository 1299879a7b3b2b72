using SimByz.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Traces;

public class ReplayTests
{
    [Theory]
    [InlineData("golden-sync")]
    [InlineData("golden-async")]
    public void FirstDivergence_ReRunOfRecordedTrace_None(string name)
    {
        var trace = name == "golden-sync" ? TraceFixtures.Sync : TraceFixtures.Async;
        var doc = TraceDocument.Parse(trace.Text(), name);
        var rerun = TraceFixtures.Record(doc.Scenario, payloads: true, threads: 2);
        Assert.Null(TraceComparison.FirstDivergence(doc, rerun.Lines));
    }

    [Fact]
    public void FirstDivergence_ValueChangedWithHashRecomputed_NamesLineDefenceFieldValues()
    {
        var lines = TraceFixtures.Sync.Lines.Take(TraceFixtures.Sync.Lines.Count - 1).ToList();
        int i = lines.FindLastIndex(l => l.StartsWith("{\"type\":\"update\"", StringComparison.Ordinal));
        string original = lines[i];
        lines[i] = System.Text.RegularExpressions.Regex.Replace(original, "\"hash\":\"[0-9a-f]+\"", "\"hash\":\"0000000000000000\"");
        lines.Add(TraceContent.EndRecord(lines, 3));
        var doc = TraceDocument.Parse(string.Concat(lines.Select(l => l + "\n")), "edited");
        Assert.True(doc.HashMatches);
        var d = TraceComparison.FirstDivergence(doc, TraceFixtures.Sync.Lines);
        Assert.NotNull(d);
        Assert.Equal(i + 1, d.Line);
        Assert.Equal("zeno:b=2", d.Defence);
        Assert.Equal("hash", d.Field);
        Assert.Equal("\"0000000000000000\"", d.Expected);
        Assert.StartsWith("update n=", d.Record, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("golden-sync")]
    [InlineData("golden-async")]
    public void Counterfactual_OtherAggregator_SameTimingAndComparisonRows(string name)
    {
        var trace = name == "golden-sync" ? TraceFixtures.Sync : TraceFixtures.Async;
        var doc = TraceDocument.Parse(trace.Text(), name);
        string rule = name == "golden-sync" ? "median" : "async-sgd";
        using var tmp = TraceFixtures.Temp();
        using var files = new SimByz.Simulator.Output.AtomicOutput(tmp.File("cf"));
        var result = CounterfactualReplay.Run(doc, files, rule, null, "test");
        Assert.Null(result.TimingMismatch);
        Assert.True(result.ArrivalsCompared > 10, $"{result.ArrivalsCompared} arrivals compared");
        Assert.Equal(doc.Sections.Count + 1, result.Comparison.Count);
        Assert.Equal(rule, result.Comparison[^1].Defence);
        Assert.Equal("counterfactual", result.Comparison[^1].Source);
        Assert.Contains("defence,source,step", CounterfactualReplay.ComparisonCsv(result.Comparison), StringComparison.Ordinal);
    }

    [Fact]
    public void Counterfactual_AttackNone_ByzantineWorkersBehaveHonestly()
    {
        var doc = TraceDocument.Parse(TraceFixtures.Sync.Text(), "sync");
        using var tmp = TraceFixtures.Temp();
        using var files = new SimByz.Simulator.Output.AtomicOutput(tmp.File("cf"));
        var result = CounterfactualReplay.Run(doc, files, "mean", "none", "test");
        Assert.Null(result.TimingMismatch);
        Assert.Equal("honest", result.Scenario.Byzantine.Attack);
        Assert.True(result.Comparison[^1].TestAccuracy > result.Comparison[0].TestAccuracy, "mean without the attack should beat mean under it");
    }

    [Fact]
    public void Messages_SyncKrum_OneRowPerRecordedAggregationAndNoByzantineLetIn()
    {
        using var tmp = TraceFixtures.Temp();
        TraceFixtures.Write(TraceFixtures.Sync, tmp.Path);
        var doc = TraceDocument.Load(Path.Combine(tmp.Path, TraceContent.FileName));
        using var sidecar = PayloadSidecar.Load(tmp.Path);
        var rows = MessageReplay.Run(doc, sidecar, doc.Sections[0], "krum:f=2");
        int aggregations = doc.Records(doc.Sections[0].FirstLine, doc.Sections[0].LastLine).Count(r => r.Record.Value<string>("type") == "aggregate");
        Assert.Equal(aggregations, rows.Count);
        Assert.All(rows, r => Assert.Empty(r.ByzantineLetIn));   // sign-flip ×4 is far from the honest cluster
        Assert.All(rows, r => Assert.Equal(2, r.RecordedByzantineApplied)); // mean applied both
        var mean = MessageReplay.Run(doc, sidecar, doc.Sections[0], "mean");
        Assert.All(mean, r => Assert.Equal(r.Byzantine.Count(b => b), r.ByzantineLetIn.Count));
        Assert.True(mean[0].DistanceToHonestMean > rows[0].DistanceToHonestMean);
        Assert.StartsWith("round,time_ns,inputs", MessageReplay.Csv(rows), StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_AsyncBuffered_GroupsOfBufferSize()
    {
        using var tmp = TraceFixtures.Temp();
        TraceFixtures.Write(TraceFixtures.Async, tmp.Path);
        var doc = TraceDocument.Load(Path.Combine(tmp.Path, TraceContent.FileName));
        using var sidecar = PayloadSidecar.Load(tmp.Path);
        var rows = MessageReplay.Run(doc, sidecar, doc.Sections[0], "median", buffer: 4);
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(4, r.Inputs.Count));
    }

    [Fact]
    public void Messages_RuleNeedingOracle_ClearError()
    {
        using var tmp = TraceFixtures.Temp();
        TraceFixtures.Write(TraceFixtures.Sync, tmp.Path);
        var doc = TraceDocument.Load(Path.Combine(tmp.Path, TraceContent.FileName));
        using var sidecar = PayloadSidecar.Load(tmp.Path);
        var ex = Assert.Throws<SimByzException>(() => MessageReplay.Run(doc, sidecar, doc.Sections[0], "zeno:b=2"));
        Assert.Contains("cannot run on recorded payloads alone", ex.Message, StringComparison.Ordinal);
    }
}
