using Newtonsoft.Json.Linq;
using SimByz.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Traces;

public class TimingCsvTests
{
    private static string SamplePath => Path.Combine(TraceFixtures.RepoRoot, "traces", "sample-latency.csv");

    [Fact]
    public void LoadScenario_SampleScenario_PerWorkerTraceOverrides()
    {
        var scenario = TimingCsv.LoadScenario(Path.Combine(TraceFixtures.RepoRoot, "traces", "sample-latency-scenario.json"));
        Assert.Equal(6, scenario.Workers.Overrides.Count);
        Assert.All(scenario.Workers.Overrides, o =>
        {
            Assert.StartsWith("trace:values=", o.Compute, StringComparison.Ordinal);
            Assert.StartsWith("trace:values=", o.Network, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void LoadScenario_SampleScenario_RecordedDurationsDriveTheRun()
    {
        var scenario = TimingCsv.LoadScenario(Path.Combine(TraceFixtures.RepoRoot, "traces", "sample-latency-scenario.json"));
        var timings = TimingCsv.Read(SamplePath);
        var trace = TraceFixtures.Record(scenario);
        // The first defence's dispatches of worker 3, in order: compute and network durations are the CSV's.
        var dispatches = trace.Lines.TakeWhile(l => !l.StartsWith("{\"type\":\"run\",\"index\":1", StringComparison.Ordinal))
            .Where(l => l.StartsWith("{\"type\":\"dispatch\"", StringComparison.Ordinal)).Select(JObject.Parse)
            .Where(r => r.Value<int>("worker") == 3).ToList();
        Assert.True(dispatches.Count >= 5, $"{dispatches.Count} dispatches");
        var w3 = timings.Single(t => t.Worker == 3);
        for (int k = 0; k < dispatches.Count; k++)
        {
            var d = dispatches[k];
            Assert.Equal(w3.Compute[k % w3.Compute.Count], d.Value<long>("computeDone") - d.Value<long>("t"));
            Assert.Equal(w3.Network[k % w3.Network.Count], d.Value<long>("arrival") - d.Value<long>("computeDone"));
        }
    }

    [Fact]
    public void Read_RowsOutOfOrder_SortedByStartPerWorkerAndKind()
    {
        using var tmp = TraceFixtures.Temp();
        string csv = tmp.File("t.csv");
        File.WriteAllText(csv, "worker,start_s,duration_s,kind\n1,0.5,0.002,compute\n1,0.1,0.001,compute\n0,0,0.003,network\n1,0.2,0.004\n");
        var t = TimingCsv.Read(csv);
        Assert.Equal([0, 1], t.Select(x => x.Worker));
        Assert.Equal([3_000_000L], t[0].Network);
        Assert.Empty(t[0].Compute);
        Assert.Equal([1_000_000L, 4_000_000L, 2_000_000L], t[1].Compute);
    }

    [Theory]
    [InlineData("worker,begin,duration\n0,0,1\n", "line 1: header")]
    [InlineData("worker,start_s,duration_s\n0,0,-1\n", "line 2: duration_s '-1'")]
    [InlineData("worker,start_s,duration_s\n0,0,0.1\nx,0,0.1\n", "line 3: worker 'x'")]
    [InlineData("worker,start_s,duration_s,kind\n0,0,0.1,disk\n", "line 2: kind 'disk'")]
    [InlineData("worker,start_s,duration_s\n", "no rows")]
    public void Read_BadCsv_ClearErrorWithLine(string text, string expected)
    {
        using var tmp = TraceFixtures.Temp();
        string csv = tmp.File("t.csv");
        File.WriteAllText(csv, text);
        var ex = Assert.Throws<SimByzException>(() => TimingCsv.Read(csv));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HugeBadLineOrField_IsQuotedByItsStartAndLength()
    {
        // A header of 200 000 characters was echoed whole into the error.
        using var tmp = TraceFixtures.Temp();
        string csv = tmp.File("t.csv");
        File.WriteAllText(csv, new string('[', 200_000) + "\n0,0,1\n");
        var header = Assert.Throws<SimByzException>(() => TimingCsv.Read(csv));
        Assert.Contains($"line 1: header '{new string('[', 57)}…' (200000 characters), expected worker,start_s,duration_s[,kind]", header.Message, StringComparison.Ordinal);
        Assert.True(header.Message.Length < 300 + csv.Length, header.Message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(csv, "worker,start_s,duration_s\n0,0," + new string('9', 5000) + "x\n");
        var field = Assert.Throws<SimByzException>(() => TimingCsv.Read(csv));
        Assert.Contains("(5001 characters) is not a number of seconds in [0, 1e6]", field.Message, StringComparison.Ordinal);
    }
}
