using Newtonsoft.Json.Linq;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Output;

public class ExperimentRunnerTests
{
    [Fact]
    public void Summary_Final_LossesThenCountersInOrder()
    {
        var row = new MetricsRow { Defence = "mean", Counts = new MessageCounts(1, 2, 3, 4, 5, 6) };
        var result = new RunResult("mean", [row], 0, SimTime.Zero, 0, 21, "steps");
        var summary = ExperimentRunner.Summary(ScenarioLoader.Load("default"), [result], "test");
        var final = (JObject)summary["defences"]![0]!["final"]!;
        Assert.Equal(
            ["trainLoss", "validationLoss", "validationAccuracy", "testLoss", "testAccuracy",
             "honestApplied", "honestRejected", "honestDropped", "byzantineApplied", "byzantineRejected", "byzantineDropped"],
            final.Properties().Select(p => p.Name));
        Assert.Equal(4, final.Value<long>("byzantineApplied"));
    }
}
