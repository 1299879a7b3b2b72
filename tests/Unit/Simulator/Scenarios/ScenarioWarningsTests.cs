using SimByz.Simulator.Scenarios;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Scenarios;

public class ScenarioWarningsTests
{
    private const string Tiny = """
    {
      "name": "tiny", "seed": 3,
      "task": { "data": "gaussian-mixture:classes=3,features=4,train=600,test=100", "model": "softmax", "validation": 50 },
      "workers": { "count": 10, "batchSize": 8, "compute": "constant:t=10ms", "network": "constant:t=1ms" },
      "byzantine": { "count": 2, "attack": "sign-flip" },
      "defences": ["mean"],
      "budget": { "steps": 4 },
      "evaluation": { "every": 2 }
    }
    """;

    private static IReadOnlyList<string> Warnings(params string[] sets)
    {
        var root = Newtonsoft.Json.Linq.JObject.Parse(Tiny);
        foreach (string set in sets) ScenarioLoader.ApplySet(root, set);
        var scenario = ScenarioLoader.Parse(root, "tiny");
        return ScenarioWarnings.Check(scenario, ScenarioBuilder.Build(scenario));
    }

    [Fact]
    public void Check_PlainScenario_NoWarnings() => Assert.Empty(Warnings());

    [Fact]
    public void Check_MaxStalenessInSyncRun_Warns()
        => Assert.Contains(Warnings("protocol.maxStaleness=5"), w => w.StartsWith("protocol.maxStaleness 5 has no effect in a synchronous run", StringComparison.Ordinal));

    [Fact]
    public void Check_AsyncBufferInSyncRun_Warns()
        => Assert.Contains(Warnings("protocol.asyncBuffer=4"), w => w.StartsWith("protocol.asyncBuffer 4 has no effect", StringComparison.Ordinal));

    [Fact]
    public void Check_DeadlineLongerThanConstantLatency_Warns()
    {
        var w = Assert.Single(Warnings("protocol.wait=deadline", "protocol.deadline=50ms"));
        Assert.Contains("longer than any reply takes (at most 11ms", w, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DeadlineShorterThanConstantLatency_Warns()
        => Assert.Contains("every reply is late", Assert.Single(Warnings("protocol.wait=deadline", "protocol.deadline=5ms")), StringComparison.Ordinal);

    [Fact]
    public void Check_DeadlineBetweenLatencies_NoWarning()
        => Assert.Empty(Warnings("protocol.wait=deadline", "protocol.deadline=12ms", "workers.overrides=[{\"workers\":[0],\"compute\":\"constant:t=20ms\"}]"));

    [Fact]
    public void Check_DeadlineWithRandomDelays_NoWarning()
        => Assert.Empty(Warnings("protocol.wait=deadline", "protocol.deadline=50ms", "workers.compute=exponential:mean=10ms"));

    [Fact]
    public void Check_KWithoutFirstK_Warns()
        => Assert.Contains(Warnings("protocol.k=5"), w => w.Contains("protocol.k 5 has no effect with wait \"all\"", StringComparison.Ordinal));

    [Fact]
    public void Check_AttackWithoutByzantineWorkers_Warns()
        => Assert.Contains(Warnings("byzantine.count=0"), w => w.StartsWith("byzantine.attack 'sign-flip' has no effect", StringComparison.Ordinal));

    [Fact]
    public void Check_StaleBehaviourWithOmniscientAttackAndBufferedRule_SaysResultsDoNotDependOnIt()
    {
        var warnings = Warnings("protocol.kind=async", "protocol.asyncBuffer=5", "byzantine.attack=ipm:eps=0.5", "byzantine.behaviour=stale:versions=3", "defences=[\"median\"]");
        string w = Assert.Single(warnings);
        Assert.Contains("crafts its messages from the honest gradients", w, StringComparison.Ordinal);
        Assert.Contains("the results do not depend on it", w, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_StaleBehaviourWithMaxStaleness_WarnsOnlyAboutContent()
    {
        var warnings = Warnings("protocol.kind=async", "protocol.asyncBuffer=5", "protocol.maxStaleness=2", "byzantine.attack=ipm:eps=0.5", "byzantine.behaviour=stale:versions=3", "defences=[\"median\"]");
        string w = Assert.Single(warnings);
        Assert.DoesNotContain("do not depend", w, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_StaleBehaviourWithOwnGradientAttack_NoWarning()
        => Assert.Empty(Warnings("protocol.kind=async", "protocol.asyncBuffer=5", "byzantine.attack=sign-flip:of=own", "byzantine.behaviour=stale:versions=3", "defences=[\"median\"]"));

    [Fact]
    public void Check_AsyncBufferWithOnlyAsyncRules_Warns()
        => Assert.Contains(Warnings("protocol.kind=async", "protocol.asyncBuffer=5", "defences=[\"async-sgd\"]"), w => w.StartsWith("protocol.asyncBuffer 5 has no effect: every defence is an asynchronous rule", StringComparison.Ordinal));

    [Fact]
    public void Check_WaitInAsyncRun_Warns()
        => Assert.Contains(Warnings("protocol.kind=async", "protocol.wait=first-k", "protocol.k=3", "defences=[\"async-sgd\"]"), w => w.StartsWith("protocol.wait, protocol.k and protocol.deadline have no effect", StringComparison.Ordinal));

    [Fact]
    public void Check_KrumInBufferedModeWithTooSmallBuffer_ErrorNamesSmallestBuffer()
    {
        var root = Newtonsoft.Json.Linq.JObject.Parse(Tiny);
        foreach (string set in new[] { "protocol.kind=async", "protocol.asyncBuffer=5", "defences=[\"krum:f=3\"]" }) ScenarioLoader.ApplySet(root, set);
        var scenario = ScenarioLoader.Parse(root, "tiny");
        var ex = Assert.Throws<SimByzException>(() => ScenarioBuilder.Build(scenario).Defences.Check("krum:f=3"));
        Assert.Contains("with protocol.asyncBuffer = 9 it holds (the smallest such value)", ex.Message, StringComparison.Ordinal); // n > 2f + 2 = 8
    }

    [Fact]
    public void Check_KrumInAsyncWithoutBuffer_ErrorNamesSmallestBuffer()
    {
        var root = Newtonsoft.Json.Linq.JObject.Parse(Tiny);
        foreach (string set in new[] { "protocol.kind=async", "defences=[\"krum:f=2\"]" }) ScenarioLoader.ApplySet(root, set);
        var scenario = ScenarioLoader.Parse(root, "tiny");
        var ex = Assert.Throws<SimByzException>(() => ScenarioBuilder.Build(scenario).Defences.Check("krum:f=2"));
        Assert.Contains("the smallest for which 'krum:f=2' holds its condition is 7", ex.Message, StringComparison.Ordinal);
    }
}
