using SimByz.Simulator.Scenarios;
using SimByz.Tests.Unit.Simulator.Engine;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Scenarios;

public class ScenarioLoaderTests
{
    [Fact]
    public void Builtin_Default_LoadsAndBuilds()
    {
        Assert.Contains("default", ScenarioLoader.BuiltinNames);
        var scenario = ScenarioLoader.Load("default");
        Assert.Equal(20, scenario.Workers.Count);
        Assert.Equal(8, scenario.Byzantine.Count);
        var setup = ScenarioBuilder.Build(scenario);
        Assert.Equal(8, setup.ByzantineCount);
    }

    [Fact]
    public void ToJson_RoundTrips()
    {
        var scenario = ScenarioLoader.Load("default");
        var again = ScenarioLoader.Parse(scenario.ToJson(), "again");
        Assert.Equal(scenario.ToJson().ToString(), again.ToJson().ToString());
    }

    [Theory]
    [InlineData("workers.count=\"many\"", "$.workers.count: expected an integer, got the string \"many\"")]
    [InlineData("workers.count=0", "$.workers.count: 0 is out of range: expected [1, 100000]")]
    [InlineData("workers.colour=3", "$.workers.colour: unknown field (allowed here:")]
    [InlineData("byzantine.count=9", "$.byzantine.count: 9 is out of range: expected [0, 8]")]
    [InlineData("protocol.kind=\"semi\"", "$.protocol.kind: 'semi' is not allowed: expected one of sync, async")]
    [InlineData("protocol.wait=\"first-k\"", "$.protocol.k: wait \"first-k\" needs k in [1, workers.count]")]
    [InlineData("optimizer.learningRate=-1", "$.optimizer.learningRate: -1 is out of range")]
    [InlineData("budget.time=\"5 parsecs\"", "$.budget.time: '5 parsecs' is not a duration")]
    [InlineData("task.validation=1.5", "$.task.validation: 1.5 is out of range")]
    public void Parse_BadField_NamesThePathAndWhatIsAllowed(string set, string expected)
    {
        var ex = Assert.Throws<SimByz.SimByzException>(() => ScenarioLoader.Parse(TrainingRunTests.SmallJson, "test").With(set));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("defences=[\"krum:f=x\"]", "$.defences[0]:")]
    [InlineData("defences=[\"no-such-rule\"]", "$.defences[0]: unknown rule 'no-such-rule'")]
    [InlineData("byzantine.attack=\"sign-flop\"", "$.byzantine.attack:")]
    [InlineData("workers.compute=\"lognormal:mu=1\"", "$.workers.compute:")]
    [InlineData("task.model=\"resnet\"", "$.task:")]
    [InlineData("defences=[\"zeno++\"]", "$.defences[0]: defence 'zeno++' is an asynchronous rule")]
    public void Build_BadSpec_NamesTheField(string set, string expected)
    {
        var scenario = ScenarioLoader.Parse(TrainingRunTests.SmallJson, "test").With(set);
        var ex = Assert.Throws<SimByz.SimByzException>(() => ScenarioBuilder.Build(scenario));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"name\": ", "line 1")]
    [InlineData("[1, 2]", "the scenario must be a JSON object")]
    [InlineData("{ \"seed\": 1, \"seed\": 2 }", "malformed JSON")]
    public void Parse_MalformedJson_SaysWhere(string json, string expected)
    {
        var ex = Assert.Throws<SimByz.SimByzException>(() => ScenarioLoader.Parse(json, "x.json"));
        Assert.StartsWith("x.json: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"plugins\": [\"a\\u0000b.dll\"] }", "$.plugins[0]")]
    [InlineData("{ \"protocol\": { \"kind\": \"federated\" }, \"federation\": { \"clients\": 5, \"perRound\": 2, \"sampling\": \"availability:file=a\\u0000b\" } }", "$.federation.sampling")]
    public void Parse_PathWithANulCharacter_IsAnErrorAtItsField(string json, string field)
    {
        // Path.GetFullPath throws an ArgumentException on a NUL, which ended the CLI with a stack trace.
        var ex = Assert.Throws<SimByz.SimByzException>(() => ScenarioLoader.Parse(json, "x.json"));
        Assert.Equal($"x.json: {field}: is not a usable path: it contains a NUL character (\\u0000)", ex.Message);
    }

    [Fact]
    public void Load_UnknownNameOrMissingFile_ClearError()
    {
        Assert.Contains("unknown scenario 'nope'", Assert.Throws<SimByz.SimByzException>(() => ScenarioLoader.Load("nope")).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<SimByz.SimByzException>(() => ScenarioLoader.Load("/no/such/file.json")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_OverridesAndSeed_Apply()
    {
        var s = ScenarioLoader.Load("default", ["byzantine.count=12", "defences=[\"zeno:b=16\"]", "task.partition=dirichlet:alpha=0.5"], seed: 42);
        Assert.Equal(12, s.Byzantine.Count);
        Assert.Equal(["zeno:b=16"], s.Defences);
        Assert.Equal(42UL, s.Seed);
        Assert.Equal("dirichlet:alpha=0.5", s.Task.Partition);
    }
}
