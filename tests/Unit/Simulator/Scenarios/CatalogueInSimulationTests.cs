using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Scenarios;

/// <summary>Every built-in scenario, attack, behaviour and defence runs inside a (tiny) simulation.</summary>
public class CatalogueInSimulationTests
{
    private const string Tiny = """
    {
      "name": "tiny", "seed": 3,
      "task": { "data": "gaussian-mixture:classes=3,features=4,train=1500,test=200", "model": "softmax", "validation": 100 },
      "workers": { "count": 11, "batchSize": 8, "compute": "exponential:mean=5ms", "network": "constant:t=1ms" },
      "byzantine": { "count": 2, "attack": "sign-flip" },
      "defences": ["mean"],
      "budget": { "steps": 4 },
      "evaluation": { "every": 2 }
    }
    """;

    private static Scenario TinyWith(params string[] sets) => ScenarioLoader.Parse(Tiny, "tiny").With(sets);

    private static void RunAndCheck(Scenario scenario)
    {
        var results = ExperimentRunner.RunAll(scenario, ScenarioBuilder.Build(scenario), 2);
        foreach (var r in results)
        {
            var f = r.Final;
            Assert.Equal(r.Messages, f.HonestApplied + f.HonestRejected + f.HonestDropped + f.ByzantineApplied + f.ByzantineRejected + f.ByzantineDropped);
            Assert.True(r.Steps > 0, $"{r.Defence} made no step");
        }
    }

    public static TheoryData<string> Builtins() => [.. ScenarioLoader.BuiltinNames];

    [Theory]
    [MemberData(nameof(Builtins))]
    public void Builtin_ShortVersion_Runs(string name)
        => RunAndCheck(ScenarioLoader.Load(name, ["budget.steps=3", "evaluation.every=3", "evaluation.trainRows=100"]));

    public static TheoryData<string> GradientAttacks() => [.. AttackCatalog.BuiltIn.GradientAttacks.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(GradientAttacks))]
    public void GradientAttack_RunsAgainstRobustDefences_SyncAndAsync(string attack)
    {
        RunAndCheck(TinyWith($"byzantine.attack=\"{attack}\"", "defences=[\"mean\",\"krum:f=2\",\"zeno:b=2\"]"));
        RunAndCheck(TinyWith($"byzantine.attack=\"{attack}\"", "protocol.kind=async", "protocol.asyncBuffer=5", "defences=[\"zenopp\",\"median\"]"));
    }

    public static TheoryData<string> DataAttacks() => [.. AttackCatalog.BuiltIn.DataAttacks.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(DataAttacks))]
    public void DataAttack_Runs(string attack)
        => RunAndCheck(TinyWith("byzantine.attack=null", $"byzantine.dataAttack=\"{attack}\"", "defences=[\"mean\",\"zeno:b=2\"]"));

    [Theory]
    [InlineData("stale:versions=3")]
    [InlineData("delay:extra=20ms")]
    [InlineData("burst:k=3")]
    [InlineData("burst:k=2,mode=distinct")]
    [InlineData("stale:versions=2+delay:extra=5ms+burst:k=2")]
    public void AsyncBehaviour_Runs(string behaviour)
        => RunAndCheck(TinyWith("protocol.kind=async", $"byzantine.behaviour=\"{behaviour}\"", "defences=[\"async-sgd\",\"zenopp\"]", "budget.steps=10"));

    /// <summary>Defence specs valid for 11 inputs with q = 2 (every registered rule and pre-aggregator appears).</summary>
    private static readonly string[] DefenceSpecs =
    [
        "mean", "median", "trimmed-mean:b=2", "geometric-median", "geometric-median:variant=fedlib",
        "krum:f=2", "krum:f=2,variant=byzfl", "multi-krum:f=2", "bulyan:f=2", "bulyan:f=2,variant=aggregathor",
        "cc:tau=10,iters=2", "meamed:f=2", "mda:f=2", "monna:f=2", "sign-majority", "zeno:b=2", "zeno:b=3,penalty=mean",
        "bucketing:s=2+median", "nnm:f=2+krum:f=2", "clipping:tau=10+mean", "arc:f=2+trimmed-mean:b=2",
    ];

    public static TheoryData<string> Defences() => [.. DefenceSpecs];

    [Fact]
    public void Defences_CoverEveryRegisteredRule()
    {
        var names = DefenceSpecs.SelectMany(s => s.Split('+')).Select(s => s.Split(':')[0]).ToHashSet();
        foreach (var info in AggregatorCatalog.BuiltIn.Rules.Infos.Concat(AggregatorCatalog.BuiltIn.PreAggregators.Infos)) Assert.Contains(info.Name, names);
    }

    [Theory]
    [MemberData(nameof(Defences))]
    public void Defence_RunsInASimulation(string defence) => RunAndCheck(TinyWith($"defences=[\"{defence}\"]"));
}
