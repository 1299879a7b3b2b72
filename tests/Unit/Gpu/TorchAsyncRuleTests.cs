using System.Globalization;
using SimByz.Aggregation;
using SimByz.Cli;
using SimByz.Gpu;
using SimByz.Gpu.Aggregation;
using SimByz.Gpu.Composition;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Engine;
using SimByz.Specs;
using SimByz.Testing.Aggregation;
using SimByz.Tests.Unit.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Gpu;

/// <summary>The asynchronous rules' tensor twins and the torch backend running them (agreement on random streams: tests/Properties/Gpu).</summary>
[Collection(TorchCollection.Name)]
public sealed class TorchAsyncRuleTests
{
    private static readonly TorchDevice Cpu = TorchDevice.Cpu;

    private static AggregationContext At(float[] model, double gamma = 0.1, long round = 0, IValidationOracle? oracle = null)
        => new() { Model = model, LearningRate = gamma, Round = round, Oracle = oracle };

    [Theory]
    [InlineData("async-sgd", "async-sgd:variant=plain")]
    [InlineData("zeno++:k=3", "zenopp:rho=0.001,eps=0.1,k=3,form=reference")]
    [InlineData("kardam:f=1", "kardam:n=0,f=1,damping=exp,beta=1")]
    [InlineData("aflguard", "aflguard:lambda=1.5")]
    [InlineData("fedasync:s=hinge", "fedasync:alpha=0.6,s=hinge,a=10,b=4,window=64")]
    [InlineData("fedbuff:k=4,staleness=sqrt", "fedbuff:k=4,eta=1,staleness=sqrt")]
    [InlineData("basgd:b=5", "basgd:b=5,rule=median")]
    public void TorchBackend_AsyncRule_BuildsItsTensorTwin_WithTheManagedSpec(string spec, string canonical)
    {
        var context = new AggregatorBuildContext(DeclaredByzantine: 1);
        var twin = new TorchBackend(Cpu).CreateAsyncRule(TorchComponents.BuiltIn(Cpu).Aggregators, spec, context);
        Assert.IsType<TorchAsyncAggregator>(twin);
        Assert.Equal(canonical, twin.Spec);
        Assert.Equal(AggregatorCatalog.BuiltIn.CreateAsync(spec, context).Spec, twin.Spec);
    }

    [Fact]
    public void DefenceResolver_TorchBackend_AsyncScenario_BuildsTheTwin_ManagedBackendTheManagedRule()
    {
        var protocol = new ProtocolOptions(ProtocolKind.Async);
        var catalog = TorchComponents.BuiltIn(Cpu).Aggregators;
        var torch = new DefenceResolver(catalog, new TorchBackend(Cpu), protocol, seed: 1, workers: 6, byzantine: 1).Create("kardam");
        Assert.IsType<TorchAsyncAggregator>(torch.AsyncRule);
        var managed = new DefenceResolver(catalog, ManagedBackend.Instance, protocol, seed: 1, workers: 6, byzantine: 1).Create("kardam");
        Assert.IsNotType<TorchAsyncAggregator>(managed.AsyncRule);
        Assert.Equal(managed.AsyncRule!.Spec, torch.AsyncRule!.Spec);
    }

    [Fact]
    public void TorchBackend_AsyncRuleWithoutTwin_IsRefusedByName()
    {
        var catalog = TorchComponents.BuiltIn(Cpu).Aggregators;
        catalog = catalog with
        {
            AsyncRules = catalog.AsyncRules.Add(new ComponentInfo("no-twin", "test rule", "test", "any", []), (_, _) => AggregatorCatalog.BuiltIn.CreateAsync("async-sgd")),
        };
        var error = Assert.Throws<SimByzException>(() => new TorchBackend(Cpu).CreateAsyncRule(catalog, "no-twin", new AggregatorBuildContext()));
        Assert.StartsWith("async rule 'no-twin' has no torch twin (with a twin: async-sgd, zenopp, kardam, aflguard, fedasync, fedbuff, basgd)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedbuff:eta=0", 0)]
    [InlineData("fedbuff:kk=2", 0)]
    [InlineData("kardam:n=3,f=1", 0)]
    [InlineData("kardam:damping=square", 0)]
    [InlineData("aflguard:lambda=0", 0)]
    [InlineData("fedasync:alpha=0", 0)]
    [InlineData("fedasync:s=linear", 0)]
    [InlineData("zeno++:k=0", 0)]
    [InlineData("basgd", 0)]
    [InlineData("basgd:b=2,rule=trimmed-mean", 1)]
    [InlineData("basgd:b=5,rule=median:x=1", 1)]
    [InlineData("basgd:b=5,rule=nope", 1)]
    public void BadSpec_TwinFailsWithTheManagedRulesMessage(string spec, int byzantine)
    {
        var context = new AggregatorBuildContext(DeclaredByzantine: byzantine);
        string managed = Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.CreateAsync(spec, context)).Message;
        string torch = Assert.Throws<SimByzException>(() => TorchComponents.CreateAsyncRule(spec, Cpu, context)).Message;
        Assert.Equal(managed, torch);
    }

    [Fact]
    public void FedBuff_HoldsKMinusOne_ThenAppliesEtaTimesTheMean_AndStartsAgain()
    {
        var rule = TorchComponents.CreateAsyncRule("fedbuff:k=3,eta=0.5", Cpu);
        var update = new float[2];
        var context = At([0f, 0f]);
        float[][] messages = [[1f, 2f], [3f, 4f], [5f, 6f]];
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 3; i++)
            {
                var decision = rule.Decide(new AsyncMessage(i, 0, 0, messages[i]), context, update);
                Assert.Equal(i == 2, decision.Accepted);
                Assert.Equal(i < 2, decision.Held);
                if (i < 2) Assert.Equal([0f, 0f], update);
            }
            Assert.Equal([1.5f, 2f], update); // 0.5 × mean([1,2],[3,4],[5,6]) = 0.5 × [3, 4]
        }
    }

    [Theory]
    [InlineData("fedbuff:k=3,eta=0.5")]
    [InlineData("basgd:b=2")]
    [InlineData("kardam:f=1")]
    public void Dispose_FreesTheRulesTensors_AndItThenDecidesAsAFreshRule(string spec)
    {
        var used = Assert.IsType<TorchAsyncAggregator>(TorchComponents.CreateAsyncRule(spec, Cpu, new AggregatorBuildContext(DeclaredByzantine: 1)));
        var fresh = TorchComponents.CreateAsyncRule(spec, Cpu, new AggregatorBuildContext(DeclaredByzantine: 1));
        var context = At([0f, 0f]);
        float[][] messages = [[1f, 2f], [3f, -4f], [5f, 6f], [-2f, 1f], [0.5f, 0.25f]];
        var update = new float[2];
        for (int i = 0; i < 2; i++) used.Decide(new AsyncMessage(i, 0, 0, messages[i]), context, update); // state held
        used.Dispose();
        for (int i = 0; i < messages.Length; i++)
        {
            var a = new float[2];
            var b = new float[2];
            var da = used.Decide(new AsyncMessage(i, 0, 0, messages[i]), context, a);
            var db = fresh.Decide(new AsyncMessage(i, 0, 0, messages[i]), context, b);
            Assert.Equal(db.Accepted, da.Accepted);
            Assert.Equal(db.Held, da.Held);
            Assert.Equal(b, a);
        }
        used.Dispose();
    }

    [Fact]
    public void FedAsync_MixesTowardsTheClientModel_AndRejectsReadsOutsideTheWindow()
    {
        var rule = TorchComponents.CreateAsyncRule("fedasync:alpha=0.5,window=1", Cpu);
        var update = new float[1];
        // Version 0: x = 1, γ = 0.5; a client that read it and sent u = 2 has x_client = 1 − 0.5·2 = 0.
        var decision = rule.Decide(new AsyncMessage(0, 0, 0, new[] { 2f }), At([1f], gamma: 0.5, round: 0), update);
        Assert.True(decision.Accepted);
        Assert.Equal(0.5, decision.Score);
        Assert.Equal(1f, update[0]); // x − γ·update = 1 − 0.5·1 = 0.5 = (1 − α)·1 + α·0
        // Versions 1 and 2 seen; with window 1 the read of version 0 is gone.
        rule.Decide(new AsyncMessage(0, 1, 0, new[] { 0f }), At([0.5f], gamma: 0.5, round: 1), update);
        decision = rule.Decide(new AsyncMessage(1, 0, 2, new[] { 2f }), At([0.5f], gamma: 0.5, round: 2), update);
        Assert.False(decision.Accepted);
        Assert.StartsWith("read model (version 0) no longer kept", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(0f, update[0]);
    }

    [Fact]
    public void AflGuard_AcceptsWithinLambdaTimesTheServerGradient_RejectsOutsideAndNonFinite()
    {
        var rule = TorchComponents.CreateAsyncRule("aflguard:lambda=1", Cpu);
        var oracle = QuadraticValidationOracle.Isotropic(0, 0); // g_s = x − 0 = [3, 4], ‖g_s‖ = 5
        var context = At([3f, 4f], oracle: oracle);
        var update = new float[2];
        var near = rule.Decide(new AsyncMessage(0, 0, 0, new[] { 3f, 8f }), context, update); // ‖g − g_s‖ = 4 ≤ 5
        Assert.True(near.Accepted);
        Assert.Equal(0.8, near.Score, 12);
        Assert.Equal([3f, 8f], update);
        var far = rule.Decide(new AsyncMessage(1, 0, 0, new[] { -3f, -4f }), context, update); // 10 > 5
        Assert.False(far.Accepted);
        Assert.Equal(2.0, far.Score, 12);
        Assert.Contains("> λ‖g_s‖ = 5", far.Reason, StringComparison.Ordinal);
        Assert.Equal([0f, 0f], update);
        var bad = rule.Decide(new AsyncMessage(2, 0, 0, new[] { float.NaN, 0f }), context, update);
        Assert.False(bad.Accepted);
        Assert.Equal(double.PositiveInfinity, bad.Score);
        Assert.Equal(3, oracle.GradientCalls); // one fresh g_s per decision, non-finite messages included (as the managed rule)
    }

    [Fact]
    public void Kardam_RejectsACoefficientAboveTheQuantile_AndDampsByStaleness()
    {
        var rule = TorchComponents.CreateAsyncRule("kardam:n=4,f=1,damping=inverse", Cpu);
        var update = new float[1];
        // Worker 0 and 1 first messages: no coefficient, accepted, damped by 1/(1 + τ).
        var first = rule.Decide(new AsyncMessage(0, 0, 1, new[] { 1f }), At([0f]), update);
        Assert.True(first.Accepted);
        Assert.True(double.IsNaN(first.Score));
        Assert.Equal(0.5f, update[0]);
        rule.Decide(new AsyncMessage(1, 0, 0, new[] { 1f }), At([0f]), update);
        // Worker 0 at x = 1: k = |2 − 1| / |1 − 0| = 1, the only coefficient: accepted.
        Assert.True(rule.Decide(new AsyncMessage(0, 1, 0, new[] { 2f }), At([1f], round: 1), update).Accepted);
        // Worker 1 at x = 1: k = |101 − 1| / 1 = 100, the ⌈2·3/4⌉ = 2nd smallest of {1, 100}: accepted.
        Assert.True(rule.Decide(new AsyncMessage(1, 2, 0, new[] { 101f }), At([1f], round: 2), update).Accepted);
        // Worker 0 at x = 2: k = |2 − 2| / 1 = 0; then worker 1 at x = 3: k = |1101 − 101| / 2 = 500, the
        // ⌈4·3/4⌉ = 3rd smallest of {0, 1, 100, 500} is 100: rejected.
        Assert.True(rule.Decide(new AsyncMessage(0, 3, 0, new[] { 2f }), At([2f], round: 3), update).Accepted);
        var rejected = rule.Decide(new AsyncMessage(1, 4, 0, new[] { 1101f }), At([3f], round: 4), update);
        Assert.False(rejected.Accepted);
        Assert.Equal(500, rejected.Score, 9);
        Assert.Contains("above the (n − f)/n quantile 100", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(0f, update[0]);
    }

    [Fact]
    public void Basgd_AppliesTheRobustRuleOfTheBufferMeans_WhenEveryBufferHoldsAMessage()
    {
        var rule = TorchComponents.CreateAsyncRule("basgd:b=3,rule=median", Cpu);
        var update = new float[1];
        var context = At([0f]);
        // Buffers: worker i → i mod 3. Buffer 0 gets 1 and 3 (mean 2), buffer 1 gets 10, buffer 2 gets 1000.
        Assert.True(rule.Decide(new AsyncMessage(0, 0, 0, new[] { 1f }), context, update).Held);
        Assert.True(rule.Decide(new AsyncMessage(3, 0, 0, new[] { 3f }), context, update).Held);
        Assert.True(rule.Decide(new AsyncMessage(1, 0, 0, new[] { 10f }), context, update).Held);
        var decision = rule.Decide(new AsyncMessage(5, 0, 0, new[] { 1000f }), context, update);
        Assert.True(decision.Accepted);
        Assert.Equal(10f, update[0]); // median(2, 10, 1000)
        Assert.True(rule.Decide(new AsyncMessage(0, 1, 0, new[] { 7f }), context, update).Held); // buffers emptied
    }

    [Fact]
    public void ZenoPlusPlus_ReferenceForm_RescalesToTheValidationGradient_AndRejectsAnAscentStep()
    {
        var rule = TorchComponents.CreateAsyncRule("zeno++:rho=0,eps=0,k=1", Cpu);
        var oracle = QuadraticValidationOracle.Isotropic(0, 0); // g_r = [3, 4] at x = [3, 4]
        var context = At([3f, 4f], gamma: 0.1, oracle: oracle);
        var update = new float[2];
        var decision = rule.Decide(new AsyncMessage(0, 0, 0, new[] { 0.75f, 1f }), context, update);
        Assert.True(decision.Accepted);
        Assert.Equal([3f, 4f], update); // u·‖g_r‖/‖u‖ = [0.75, 1]·4
        Assert.Equal(2.5, decision.Score, 6); // γ⟨u', g_r⟩ = 0.1·25
        var ascent = rule.Decide(new AsyncMessage(1, 0, 0, new[] { -0.75f, -1f }), context, update);
        Assert.False(ascent.Accepted);
        Assert.Equal(-2.5, ascent.Score, 6);
        Assert.Equal([0f, 0f], update);
    }

    [Fact]
    public void Run_AsyncRulesOnTheTorchBackend_AgreeWithTheManagedBackend()
    {
        using var tmp = TraceFixtures.Temp();
        string[] common = ["run", "--scenario", TraceFixtures.ScenarioPath("golden-async"), "--quiet", "--threads", "1", "--no-trace",
            "--set", "defences=[\"async-sgd\",\"zeno++\",\"kardam\",\"aflguard\",\"fedasync\",\"fedbuff:k=3\",\"basgd:b=5,rule=median\"]", "--set", "budget.steps=24"];
        var (code, _, err) = Cli([.. common, "--out", tmp.File("cpu")]);
        Assert.True(code == 0, err);
        (code, var output, err) = Cli([.. common, "--out", tmp.File("torch"), "--backend", "torch", "--device", "cpu"]);
        Assert.True(code == 0, err);
        Assert.Contains("backend: torch:cpu", output, StringComparison.Ordinal);
        var cpu = File.ReadAllLines(Path.Combine(tmp.File("cpu"), "metrics.csv"));
        var torch = File.ReadAllLines(Path.Combine(tmp.File("torch"), "metrics.csv"));
        Assert.Equal(cpu.Length, torch.Length);
        Assert.True(cpu.Length > 7, "one row per defence at least");
        string[] header = cpu[0].Split(',');
        for (int i = 1; i < cpu.Length; i++)
        {
            string[] a = cpu[i].Split(','), b = torch[i].Split(',');
            for (int k = 0; k < header.Length; k++)
            {
                bool numeric = double.TryParse(a[k], NumberStyles.Float, CultureInfo.InvariantCulture, out double x);
                if (!numeric || !double.TryParse(b[k], NumberStyles.Float, CultureInfo.InvariantCulture, out double y) || !double.IsFinite(x))
                {
                    Assert.Equal(a[k], b[k]); // defence names, message counts' text, non-finite values
                    continue;
                }
                // Fates and counts identical; losses and accuracies within 1e-4 relative (the twins agree to ~1e-6 per update).
                Assert.True(Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(x)), $"metrics.csv line {i}, {header[k]}: cpu {a[k]}, torch {b[k]}");
                if (header[k].EndsWith("_applied", StringComparison.Ordinal) || header[k].EndsWith("_rejected", StringComparison.Ordinal)
                    || header[k].EndsWith("_dropped", StringComparison.Ordinal) || header[k] == "step")
                {
                    Assert.Equal(a[k], b[k]);
                }
            }
        }
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
