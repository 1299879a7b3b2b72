using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

/// <summary>The asynchronous rules run inside a (tiny) simulation and every message ends with exactly one fate.</summary>
public class AsyncRulesInSimulationTests
{
    private const string Tiny = """
    {
      "name": "tiny-async", "seed": 5,
      "task": { "data": "gaussian-mixture:classes=3,features=4,train=1500,test=200", "model": "softmax", "validation": 100 },
      "workers": { "count": 9, "batchSize": 8, "compute": "exponential:mean=5ms", "network": "constant:t=1ms" },
      "byzantine": { "count": 2, "attack": "sign-flip" },
      "protocol": { "kind": "async" },
      "defences": ["async-sgd"],
      "budget": { "steps": 12 },
      "evaluation": { "every": 4 }
    }
    """;

    [Theory]
    [InlineData("kardam:n=9,f=2")]
    [InlineData("aflguard:lambda=2")]
    [InlineData("fedasync:alpha=0.6,s=polynomial,a=0.5")]
    [InlineData("fedasync:s=hinge")]
    [InlineData("fedbuff:k=4,staleness=sqrt")]
    [InlineData("basgd:b=5,rule=median")]
    [InlineData("basgd:b=5,rule=trimmed-mean")]
    public void AsyncRule_RunsAndResolvesEveryMessageOnce(string defence)
    {
        var scenario = ScenarioLoader.Parse(Tiny, "tiny").With($"defences=[\"{defence}\"]");
        var results = ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), 1);
        foreach (var r in results)
        {
            var f = r.Final;
            Assert.Equal(r.Messages, f.HonestApplied + f.HonestRejected + f.HonestDropped + f.ByzantineApplied + f.ByzantineRejected + f.ByzantineDropped);
            Assert.True(r.Steps > 0, $"{r.Defence} made no step");
        }
    }

    [Fact]
    public void FedBuff_AppliesKMessagesPerServerStep()
    {
        var scenario = ScenarioLoader.Parse(Tiny, "tiny").With("defences=[\"fedbuff:k=4\"]", "byzantine.count=0");
        var r = ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), 1).Single();
        Assert.Equal(12, r.Steps);
        Assert.Equal(4 * 12, r.Final.HonestApplied);
    }

    private static RunResult Run(params string[] sets)
    {
        var scenario = ScenarioLoader.Parse(Tiny, "tiny").With(sets);
        return ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), 1).Single();
    }

    [Fact]
    public void Staleness_MessagesWithEveryMessageApplied_EqualsVersions()
    {
        // Async SGD applies every message, so each arrival advances the version by one: both counts agree.
        var versions = Run("defences=[\"async-sgd\"]");
        var messages = Run("defences=[\"async-sgd\"]", "protocol.staleness=\"messages\"");
        Assert.Equal(versions.Rows.Select(r => (r.StalenessMin, r.StalenessMean, r.StalenessMax)), messages.Rows.Select(r => (r.StalenessMin, r.StalenessMean, r.StalenessMax)));
    }

    [Fact]
    public void Staleness_MessagesWithHeldMessages_AtLeastVersions()
    {
        // FedBuff advances the version once per 4 messages: message staleness is larger.
        var versions = Run("defences=[\"fedbuff:k=4\"]");
        var messages = Run("defences=[\"fedbuff:k=4\"]", "protocol.staleness=\"messages\"");
        Assert.True(messages.Final.StalenessMax > versions.Final.StalenessMax, $"{messages.Final.StalenessMax} vs {versions.Final.StalenessMax}");
    }

    [Fact]
    public void Staleness_Time_AtLeastTheNetworkDelayInNanoseconds()
    {
        var time = Run("defences=[\"async-sgd\"]", "protocol.staleness=\"time\"", "protocol.maxStaleness=1000000000");
        Assert.All(time.Rows.Where(r => !double.IsNaN(r.StalenessMin)), r => Assert.True(r.StalenessMin >= 1_000_000, $"min {r.StalenessMin} ns"));
    }

    [Fact]
    public void Staleness_Option_RoundTripsThroughTheScenarioJson()
    {
        var scenario = ScenarioLoader.Parse(Tiny, "tiny").With("protocol.staleness=\"time\"");
        Assert.Equal("time", (string?)scenario.ToJson()["protocol"]!["staleness"]);
        Assert.Equal(SimByz.Simulator.Engine.StalenessMeasure.Time, ScenarioLoader.Parse(scenario.ToJson().ToString(), "again").Protocol.Staleness);
        Assert.Null(ScenarioLoader.Parse(Tiny, "tiny").ToJson()["protocol"]!["staleness"]);
    }
}
