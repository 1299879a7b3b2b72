using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Scenarios;
using SimByz.Specs;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Composition;

public class ComponentCatalogTests
{
    private static readonly ComponentInfo Alpha = new("alpha", "first", "test", "any", [new ParameterInfo("k", "integer", "1", "a knob")]);

    private static ComponentCatalog<NoContext, int> Catalog() => new ComponentCatalog<NoContext, int>("widget").Add(Alpha, (p, _) => p.GetInt("k", 1));

    [Fact]
    public void Create_KnownNameAndParameter_BuildsIt()
        => Assert.Equal(7, Catalog().Create("alpha:k=7", default));

    [Fact]
    public void Create_UnknownName_ListsTheKnownNames()
    {
        var error = Assert.Throws<SimByzException>(() => Catalog().Create("beta", default));
        Assert.Equal("unknown widget 'beta' (known: alpha)", error.Message);
    }

    [Fact]
    public void Create_UnknownParameter_IsRejectedNamingTheKnownOnes()
    {
        var error = Assert.Throws<SimByzException>(() => Catalog().Create("alpha:q=1", default));
        Assert.Contains("unknown parameter 'q' (known: k)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_ReturnsANewCatalogue_AndLeavesTheOriginalUnchanged()
    {
        var original = Catalog();
        var extended = original.Add(new ComponentInfo("beta", "second", "test", "any", []), (_, _) => 2);
        Assert.Equal(["alpha"], original.Names);
        Assert.Equal(["alpha", "beta"], extended.Names);
    }

    [Fact]
    public void Add_ClashingName_IsAnErrorNamingBothOrigins()
    {
        var plugin = new ComponentOrigin("My.Plugin", "1.0.0", new string('a', 64), "/tmp/My.Plugin.dll");
        var error = Assert.Throws<SimByzException>(() => Catalog().Add(new CatalogEntry<NoContext, int>(Alpha, (_, _) => 0, plugin)));
        Assert.Contains("widget 'alpha' from plug-in My.Plugin 1.0.0 (/tmp/My.Plugin.dll) clashes with the widget of the same name from built-in", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithTwin_UnknownName_IsAnError_SoTwinNamesCannotDrift()
    {
        var error = Assert.Throws<SimByzException>(() => Catalog().WithTwin("alhpa", (_, _) => new object()));
        Assert.Contains("unknown widget 'alhpa'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateTwin_WithoutTwin_SaysWhichComponentsHaveOne()
    {
        var catalog = Catalog().Add(new ComponentInfo("beta", "second", "test", "any", []), (_, _) => 2).WithTwin("beta", (_, _) => "twin");
        Assert.Equal("twin", catalog.CreateTwin(ComponentSpec.Parse("beta"), default, "torch"));
        var error = Assert.Throws<SimByzException>(() => catalog.CreateTwin(ComponentSpec.Parse("alpha"), default, "torch"));
        Assert.Equal("widget 'alpha' has no torch twin (with a twin: beta)", error.Message);
    }

    [Fact]
    public void BuiltIns_EveryKind_HasEntriesWithInfoOnTheirOwnType()
    {
        var all = ComponentCatalogs.BuiltIn.All;
        Assert.Equal(["rule", "pre-aggregator", "async rule", "attack", "data attack", "async behaviour", "delay model", "model", "data source"], all.Select(k => k.Kind));
        Assert.All(all, k => Assert.NotEmpty(k.Entries));
        Assert.All(all.SelectMany(k => k.Entries), e => Assert.True(e.Origin.IsBuiltIn));
        Assert.Same(ConstantDelayOptions.Info, ComponentCatalogs.BuiltIn.Delays.Get("constant").Info);
    }

    [Theory]
    [InlineData("krum:f=4", 10, "tolerance condition n > 2f+2 does not hold for n = 10")]
    [InlineData("bucketing:s=2+krum:f=2", 10, "tolerance condition n > 2f+2 does not hold for n = 5")]
    [InlineData("bulyan:f=2", 10, "tolerance condition n ≥ 4f+3 does not hold for n = 10")]
    [InlineData("zeno:b=10", 10, "zeno:b=10 needs b < n")]
    public void CheckTolerance_DeclaredCondition_FailsWithoutAnyAggregation(string spec, int n, string expected)
    {
        var rule = AggregatorCatalog.BuiltIn.Create(spec, new AggregatorBuildContext(DeclaredByzantine: 1));
        var error = Assert.Throws<SimByzException>(() => rule.CheckTolerance(n));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        rule.CheckTolerance(n + 20);
    }

    [Fact]
    public void AttackCheckTolerance_AlieAuto_IsCheckedWhenTheScenarioResolves()
    {
        var attack = AttackCatalog.BuiltIn.CreateGradientAttack("alie");
        attack.CheckTolerance(20, 8);
        Assert.Throws<SimByzException>(() => attack.CheckTolerance(20, 11));
        AttackCatalog.BuiltIn.CreateGradientAttack("alie:z=1").CheckTolerance(20, 11);
    }

    [Fact]
    public void ScenarioBuilder_RuleThatCannotTolerateFirstK_FailsBeforeRunning_WithThePathAsAProperty()
    {
        var scenario = ScenarioLoader.Load("default", ["protocol.wait=first-k", "protocol.k=12", "budget.steps=1"]);
        var error = Assert.Throws<SimByzException>(() => ScenarioBuilder.Build(scenario));
        Assert.Equal("$.defences[2]", error.JsonPath);
        Assert.Contains("krum:f=8", error.Detail, StringComparison.Ordinal);
        Assert.StartsWith("$.defences[2]: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScenarioBuilder_AttackToleranceFails_AtTheAttackPath()
    {
        var scenario = ScenarioLoader.Load("default", ["byzantine.attack=alie", "byzantine.count=11", "defences=[\"mean\"]", "budget.steps=1"]);
        var error = Assert.Throws<SimByzException>(() => ScenarioBuilder.Build(scenario));
        Assert.Equal("$.byzantine.attack", error.JsonPath);
    }
}
