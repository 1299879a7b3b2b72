using SimByz.Aggregation;
using SimByz.Attacks.Gradient;
using SimByz.Specs;
using Xunit;
using static SimByz.Tests.Unit.Attacks.AttackKit;

namespace SimByz.Tests.Unit.Attacks.Gradient;

public class OptimalAttackTests
{
    // One coordinate per example: honest mean 1.1; with q = 4 of n = 9, Median is the 5th value.
    private static readonly float[][] Honest = [[-1f], [0.5f], [1f], [2f], [3f]];

    // Wide spread: ALIE's fixed z = 1.5 falls short of the largest honest value 10.
    private static readonly float[][] Spread = [[-1f], [0f], [0.1f], [0.2f], [10f]];

    private static IAggregator Rule(string spec) => AggregatorCatalog.BuiltIn.Create(spec);

    private static double Damage(IAggregator rule, float[][] honest, float[][] byzantine)
        => Distance(Aggregate(rule, honest, byzantine), Mean(honest));

    [Fact]
    public void OptimalIpm_AgainstMedian_DoesMoreDamageThanFixedEpsilon()
    {
        var median = Rule("median");
        var fixedRows = Craft(Attack("ipm:eps=0.1"), Context(Honest, 4));
        var attack = (OptimalIpmAttack)Attack("optimal-ipm");
        var optimalRows = Craft(attack, Context(Honest, 4, aggregator: median));
        double fixedDamage = Damage(median, Honest, fixedRows), optimalDamage = Damage(median, Honest, optimalRows);
        Assert.Equal(1.21, fixedDamage, 5); // Median = −0.11
        Assert.Equal(2.1, optimalDamage, 5); // Median = −1, the lowest honest value
        Assert.Equal(optimalDamage, attack.LastDamage, 5);
        AllRowsEqual(optimalRows, [(float)(-attack.LastScale * 1.1)], 1e-5);
    }

    [Theory]
    [InlineData("byzfl")]
    [InlineData("golden")]
    public void OptimalIpm_AgainstMean_KeepsGrowingTheScale(string search)
    {
        var mean = Rule("mean");
        var attack = (OptimalIpmAttack)Attack($"optimal-ipm:search={search}");
        var rows = Craft(attack, Context(Honest, 4, aggregator: mean));
        Assert.True(attack.LastScale > 100, $"ε* = {attack.LastScale}");
        Assert.True(Damage(mean, Honest, rows) > 50 * Damage(mean, Honest, Craft(Attack("ipm:eps=0.1"), Context(Honest, 4))));
    }

    [Fact]
    public void OptimalAlie_AgainstMedian_DoesMoreDamageThanFixedZ()
    {
        var median = Rule("median");
        double fixedDamage = Damage(median, Spread, Craft(Attack("alie:variant=byzfl"), Context(Spread, 4)));
        var attack = (OptimalAlieAttack)Attack("optimal-alie");
        double optimalDamage = Damage(median, Spread, Craft(attack, Context(Spread, 4, aggregator: median)));
        Assert.True(optimalDamage > fixedDamage + 1, $"optimal {optimalDamage} vs fixed {fixedDamage}");
        Assert.Equal(10 - 1.86, optimalDamage, 4); // Median pushed up to the largest honest value
    }

    [Theory]
    [InlineData("optimal-ipm")]
    [InlineData("optimal-alie")]
    public void Optimal_UnknownDefence_SearchesAgainstProxyMedian(string spec)
    {
        var withMedian = Craft(Attack(spec), Context(Spread, 4, aggregator: Rule("median")));
        var unknown = Craft(Attack(spec), Context(Spread, 4));
        Assert.Equal(withMedian[0], unknown[0]);
        var proxyMean = Craft(Attack(spec + ":proxy=mean"), Context(Spread, 4));
        Assert.NotEqual(withMedian[0], proxyMean[0]);
    }

    [Fact]
    public void Optimal_RegisteredDefence_TrialsRunOnAPrivateCopy()
    {
        var median = Rule("median");
        var attack = (OptimalIpmAttack)Attack("optimal-ipm");
        Craft(attack, Context(Honest, 4, aggregator: median));
        Assert.NotSame(median, attack.Probe.Current);
        Assert.Equal("median", attack.Probe.Current.Spec);
    }

    [Fact]
    public void Optimal_UnregisteredDefence_IsCalledDirectly()
    {
        var fake = new CountingMean();
        var attack = (OptimalIpmAttack)Attack("optimal-ipm:evals=7");
        Craft(attack, Context(Honest, 4, aggregator: fake));
        Assert.Same(fake, attack.Probe.Current);
        Assert.Equal(7, fake.Calls);
        Assert.Equal(0, fake.Resets);
    }

    [Fact]
    public void Optimal_DefenceThatNeedsServerSecrets_FallsBackToProxy()
    {
        var attack = (OptimalIpmAttack)Attack("optimal-ipm");
        var rows = Craft(attack, Context(Honest, 4, aggregator: new NeedsOracle()));
        Assert.Equal("median", attack.Probe.Current.Spec);
        Assert.Equal(2.1, Damage(Rule("median"), Honest, rows), 5);
    }

    [Fact]
    public void Optimal_SameInputs_SameRows()
    {
        var a = Craft(Attack("optimal-alie:search=golden"), Context(Spread, 4, aggregator: Rule("median")));
        var b = Craft(Attack("optimal-alie:search=golden"), Context(Spread, 4, aggregator: Rule("median")));
        Assert.Equal(a[0], b[0]);
    }

    [Theory]
    [InlineData("byzfl", 16, 0.1)]
    [InlineData("golden", 30, 0.001)]
    public void LineSearch_ConcaveObjective_FindsMaximumWithinBudget(string method, int evals, double tolerance)
    {
        var objective = new Parabola(3.3);
        var (scale, value) = ScaleLineSearch.Maximize(objective, new LineSearchOptions(method, evals, 0, 1, 0.8));
        Assert.Equal(3.3, scale, tolerance);
        Assert.Equal(-(scale - 3.3) * (scale - 3.3), value, 12);
        Assert.True(objective.Calls <= evals, $"{objective.Calls} evaluations for a budget of {evals}");
        Assert.True(objective.Calls >= evals - 1);
    }

    [Fact]
    public void LineSearch_ByzflScheme_VisitsTheDocumentedSequence()
    {
        var objective = new Parabola(3.3);
        ScaleLineSearch.Maximize(objective, new LineSearchOptions("byzfl", 6, 0, 1, 0.8));
        // start 0; expansion 1, 3 (δ doubles), 7 fails (δ → 3.2); contraction 7 − 3.2, then 3.8 − 2.56.
        Assert.Equal([0, 1, 3, 7, 3.8, 1.24], objective.Visited.Select(x => Math.Round(x, 10)));
    }

    [Fact]
    public void LineSearch_FlatObjective_ReturnsStart()
    {
        var (scale, _) = ScaleLineSearch.Maximize(new Parabola(double.NaN), new LineSearchOptions("golden", 10, 0.5, 1, 0.8));
        Assert.Equal(0.5, scale);
    }

    private sealed class Parabola(double peak) : IScaleObjective
    {
        public int Calls { get; private set; }

        public List<double> Visited { get; } = [];

        public double Evaluate(double scale)
        {
            Calls++;
            Visited.Add(scale);
            return double.IsNaN(peak) ? 0 : -(scale - peak) * (scale - peak);
        }
    }

    /// <summary>A mean the registry does not know (so the probe cannot rebuild it).</summary>
    private sealed class CountingMean : IAggregator
    {
        private readonly IAggregator _mean = AggregatorCatalog.BuiltIn.Create("mean");

        public int Calls { get; private set; }

        public int Resets { get; private set; }

        public string Spec => "counting-mean";

        public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
        {
            Calls++;
            _mean.Aggregate(input, output, context, diagnostics);
        }

        public void Reset() => Resets++;
    }

    /// <summary>A Zeno-like rule that refuses to aggregate without the validation oracle.</summary>
    private sealed class NeedsOracle : IAggregator
    {
        public string Spec => "needs-oracle";

        public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
        {
            if (context.Oracle is null) throw new SimByzException("needs-oracle: needs the server's validation data");
        }
    }
}
