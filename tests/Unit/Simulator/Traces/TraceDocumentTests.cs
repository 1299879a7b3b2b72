using SimByz.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Traces;

public class TraceDocumentTests
{
    private static string Text => TraceFixtures.Sync.Text();

    private static SimByzException Fails(string text) => Assert.Throws<SimByzException>(() => TraceDocument.Parse(text, "t.jsonl"));

    [Fact]
    public void Parse_RecordedTrace_SectionsInDefenceOrderAndHashMatches()
    {
        var doc = TraceDocument.Parse(Text, "t.jsonl");
        Assert.True(doc.HashMatches);
        Assert.Equal(["mean", "krum:f=2", "zeno:b=2"], doc.Sections.Select(s => s.Defence));
        Assert.Equal("golden-sync", doc.Scenario.Name);
    }

    [Fact]
    public void Parse_CutMidLine_TruncatedAtLastLine()
    {
        string text = Text[..(Text.Length / 2)];
        int lastLine = text.Split('\n').Length;
        var ex = Fails(text);
        Assert.Contains($"line {lastLine}:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EndRecordRemoved_Truncated()
    {
        var lines = TraceFixtures.Sync.Lines;
        string text = string.Concat(lines.Take(lines.Count - 1).Select(l => l + "\n"));
        var ex = Fails(text);
        Assert.Contains($"line {lines.Count - 1}: the trace is truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TwoRecordsSwapped_ReorderNamedAtLine()
    {
        var lines = TraceFixtures.Sync.Lines.ToList();
        (lines[10], lines[11]) = (lines[11], lines[10]);
        var ex = Fails(string.Concat(lines.Select(l => l + "\n")));
        Assert.Contains("line 11:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("reordered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FieldEdited_HashMismatchReported()
    {
        var lines = TraceFixtures.Sync.Lines.ToList();
        int i = lines.FindIndex(l => l.StartsWith("{\"type\":\"arrive\"", StringComparison.Ordinal));
        lines[i] = lines[i].Replace("\"staleness\":0", "\"staleness\":1", StringComparison.Ordinal);
        var doc = TraceDocument.Parse(string.Concat(lines.Select(l => l + "\n")), "t.jsonl");
        Assert.False(doc.HashMatches);
        Assert.Throws<SimByzException>(doc.RequireHash);
    }

    [Fact]
    public void Parse_ScenarioEdited_HeaderConfigHashCaught()
    {
        var ex = Fails(Text.Replace("\"learningRate\":0.1,\"schedule\"", "\"learningRate\":0.2,\"schedule\"", StringComparison.Ordinal));
        Assert.Contains("line 1: the header was edited", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"version\":1,", "\"version\":2,", "version 2 is not supported")]
    [InlineData("\"version\":1,", "\"version\":\"1\",", "version \"1\" is not supported")]
    [InlineData("\"format\":\"simbyz-trace\"", "\"format\":\"other\"", "format 'other' is not a SimByz trace")]
    public void Parse_WrongFormatOrVersion_Line1(string from, string to, string expected)
    {
        var ex = Fails(Text.Replace(from, to, StringComparison.Ordinal));
        Assert.Contains("line 1:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GarbageLine_NotValidJsonAtThatLine()
    {
        var lines = TraceFixtures.Sync.Lines.ToList();
        lines[5] = "{not json";
        var ex = Fails(string.Concat(lines.Select(l => l + "\n")));
        Assert.Contains("line 6: not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyText_Line1()
        => Assert.Contains("line 1: empty file", Fails("").Message, StringComparison.Ordinal);
}
