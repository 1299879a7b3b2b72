using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Engine;
using SimByz.Specs;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

/// <summary>A training run disposes the rules it made (the defence and the attacker's copy) when it ends, normally or
/// cancelled, so rules holding native memory (the torch backend's staging tensor) free it at once; so does the resolver
/// with the instances it builds only to check a spec.</summary>
public sealed class RuleDisposalTests
{
    private sealed class CountingMean : IAggregator, IDisposable
    {
        private readonly IAggregator _mean = AggregatorCatalog.BuiltIn.Create("mean");
        private readonly List<CountingMean> _made;

        public CountingMean(List<CountingMean> made)
        {
            _made = made;
            lock (made) made.Add(this);
        }

        public int Disposals { get; private set; }

        public int CallsAfterDispose { get; private set; }

        public string Spec => "counting-mean";

        public bool UsesValidation => false;

        public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
        {
            if (Disposals > 0) CallsAfterDispose++;
            _mean.Aggregate(input, output, context, diagnostics);
        }

        public void Dispose() => Disposals++;
    }

    private static (RunSetup Setup, List<CountingMean> Made) Setup(string defence, params string[] sets) => Setup(defence, null, sets);

    private static (RunSetup Setup, List<CountingMean> Made) Setup(string defence, Action<PluginRegistrar>? more, params string[] sets)
    {
        var made = new List<CountingMean>();
        var setup = InProcessPlugins.Resolve(r =>
        {
            r.AddRule(new ComponentInfo("counting-mean", "the mean, counting its disposals", "test", "any", []), (_, _) => new CountingMean(made));
            more?.Invoke(r);
        }, [$"defences=[\"{defence}\"]", .. sets]);
        return (setup, made);
    }

    [Theory]
    [InlineData("counting-mean")]
    [InlineData("bucketing:s=2+counting-mean")] // the pre-aggregator passes the disposal on to the rule inside
    public void Run_Ends_DisposesEachRuleItMadeOnce(string defence)
    {
        var (setup, made) = Setup(defence, "budget.steps=3");
        Assert.NotEmpty(made); // instances built at resolve time only to check the spec
        Assert.All(made, r => Assert.Equal(1, r.Disposals));
        int before = made.Count;
        var run = new TrainingRun(setup, defence);
        var own = made.Skip(before).ToList();
        Assert.Equal(2, own.Count); // the defence and the copy the attacker sees
        Assert.All(own, r => Assert.Equal(0, r.Disposals));
        run.Run();
        Assert.Equal(3, run.Steps);
        Assert.All(made, r => Assert.Equal(1, r.Disposals));
        Assert.All(made, r => Assert.Equal(0, r.CallsAfterDispose));
    }

    [Fact]
    public void Constructor_FailingAfterItBuiltItsRules_DisposesThem()
    {
        bool fail = false;
        var (setup, made) = Setup("counting-mean",
            r => r.AddGradientAttack(new ComponentInfo("flaky", "sign flip, or a failure on demand", "test", "any", []),
                (_, _) => fail ? throw new SimByzException("flaky: refused") : AttackCatalog.BuiltIn.CreateGradientAttack("sign-flip")),
            "byzantine.attack=flaky", "budget.steps=3");
        int before = made.Count;
        fail = true; // the run builds its rules, then its attack fails
        var error = Assert.Throws<SimByzException>(() => new TrainingRun(setup, "counting-mean"));
        Assert.Equal("flaky: refused", error.Message);
        Assert.Equal(before + 2, made.Count);
        Assert.All(made, r => Assert.Equal(1, r.Disposals));
    }

    [Fact]
    public void Run_Cancelled_StillDisposesItsRules()
    {
        var (setup, made) = Setup("counting-mean", "budget.steps=1000000");
        int before = made.Count;
        var run = new TrainingRun(setup, "counting-mean");
        Assert.Equal(before + 2, made.Count);
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => run.Run(steps => { if (steps >= 2) cancel.Cancel(); }, cancel.Token));
        Assert.All(made, r => Assert.Equal(1, r.Disposals));
    }
}
