using Newtonsoft.Json.Linq;
using SimByz.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Traces;

public class PerfettoExportTests
{
    [Fact]
    public void Write_SyncTrace_ValidTraceEventJsonWithSlicesFlowsAndArgs()
    {
        var doc = TraceDocument.Parse(TraceFixtures.Sync.Text(), "sync");
        var sw = new StringWriter();
        PerfettoExport.Write(doc, sw);
        var root = JObject.Parse(sw.ToString());
        var events = (JArray)root["traceEvents"]!;
        Assert.All(events, e =>
        {
            Assert.NotNull(e["ph"]);
            Assert.NotNull(e["pid"]);
            if (e.Value<string>("ph") != "M") Assert.NotNull(e["ts"]);
        });
        var compute = events.Where(e => e.Value<string>("ph") == "X" && e.Value<string>("cat") == "compute").ToList();
        Assert.NotEmpty(compute);
        Assert.All(compute, e => Assert.True(e.Value<double>("dur") >= 0 && e.Value<int>("tid") >= 1));
        var starts = events.Where(e => e.Value<string>("ph") == "s").Select(e => e.Value<long>("id")).ToHashSet();
        var finishes = events.Where(e => e.Value<string>("ph") == "f").Select(e => e.Value<long>("id")).ToHashSet();
        Assert.NotEmpty(starts);
        Assert.Subset(starts, finishes);
        var arrival = events.First(e => e.Value<string>("cat") == "message" && e.Value<string>("ph") == "X");
        Assert.NotNull(arrival["args"]!["staleness"]);
        Assert.NotNull(arrival["args"]!["fate"]);
        Assert.Equal(3, events.Count(e => e.Value<string>("name") == "process_name"));
        Assert.Contains(events, e => e.Value<string>("ph") == "i" && e.Value<string>("cat") == "server" && e.Value<int>("tid") == 0);
    }
}
