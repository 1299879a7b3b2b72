using SimByz.Aggregation;
using SimByz.Attacks;
using Xunit;
using static SimByz.Tests.Unit.Attacks.AttackKit;

namespace SimByz.Tests.Unit.Attacks.Registry;

/// <summary>The registry's contract, walked over every registered attack.</summary>
public class AttackRegistryTests
{
    public static TheoryData<string> GradientNames()
    {
        var data = new TheoryData<string>();
        foreach (var info in AttackCatalog.BuiltIn.GradientAttacks) data.Add(info.Name);
        return data;
    }

    private static float[][] HonestRows(int h, int d, ulong seed)
    {
        var rng = new SimByz.Scheduler.RandomStream(seed);
        var rows = new float[h][];
        for (int i = 0; i < h; i++)
        {
            rows[i] = new float[d];
            for (int j = 0; j < d; j++) rows[i][j] = (float)(0.5 + rng.NextNormal());
        }
        return rows;
    }

    [Fact]
    public void Lists_HoldEveryBehaviourOfTheIssue()
    {
        string[] gradient = ["sign-flip", "bitflip", "gaussian", "ipm", "alie", "optimal-ipm", "optimal-alie", "zeno-aware", "mimic", "nonfinite", "large-norm", "zero", "omission", "honest"];
        Assert.Equal(gradient, AttackCatalog.BuiltIn.GradientAttacks.Select(i => i.Name));
        Assert.Equal(["label-flip", "label-perm"], AttackCatalog.BuiltIn.DataAttacks.Select(i => i.Name));
        Assert.Equal(["stale", "delay", "burst"], AttackCatalog.BuiltIn.AsyncBehaviours.Infos.Select(i => i.Name));
        foreach (var info in AttackCatalog.BuiltIn.GradientAttacks.Concat(AttackCatalog.BuiltIn.DataAttacks).Concat(AttackCatalog.BuiltIn.AsyncBehaviours.Infos))
        {
            Assert.False(string.IsNullOrWhiteSpace(info.Summary), info.Name);
            Assert.False(string.IsNullOrWhiteSpace(info.Source), info.Name);
            Assert.False(string.IsNullOrWhiteSpace(info.Tolerance), info.Name);
        }
    }

    [Theory]
    [MemberData(nameof(GradientNames))]
    public void Spec_IsCanonicalAndRebuildsTheSameAttack(string name)
    {
        var attack = Attack(name, new AttackBuildContext(DeclaredByzantine: 3));
        Assert.StartsWith(name, attack.Spec, StringComparison.Ordinal);
        Assert.Equal(attack.Spec, Attack(attack.Spec, new AttackBuildContext(DeclaredByzantine: 3)).Spec);
    }

    [Theory]
    [MemberData(nameof(GradientNames))]
    public void Craft_SameStreamSeed_SameRows_AndRandomizedOnesDependOnSeed(string name)
    {
        var a = Attack(name);
        if (a.IsOmission) return;
        var honest = HonestRows(7, 16, 42);
        float[][] own = HonestRows(3, 16, 43);
        var median = AggregatorCatalog.BuiltIn.Create("median");
        var first = Craft(a, Context(honest, 3, own: own, aggregator: median, seed: 10, workers: 10, learningRate: 0.1));
        var again = Craft(Attack(name), Context(honest, 3, own: own, aggregator: median, seed: 10, workers: 10, learningRate: 0.1));
        var other = Craft(Attack(name), Context(honest, 3, own: own, aggregator: median, seed: 11, workers: 10, learningRate: 0.1));
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(first[k], again[k]);
            if (a.IsRandomized) Assert.NotEqual(first[k], other[k]);
            else Assert.Equal(first[k], other[k]);
        }
    }

    [Theory]
    [MemberData(nameof(GradientNames))]
    public void Craft_ComposesWithEveryRegisteredRule(string name)
    {
        var attack = Attack(name, new AttackBuildContext(DeclaredByzantine: 3));
        if (attack.IsOmission) return;
        const int q = 3;
        var honest = HonestRows(12, 8, 5);
        foreach (var info in AggregatorCatalog.BuiltIn.Rules.Infos)
        {
            var rule = AggregatorCatalog.BuiltIn.Create(info.Name, new AggregatorBuildContext(1, q));
            var rows = Craft(attack, Context(honest, q, own: HonestRows(q, 8, 6), aggregator: rule, workers: 15, learningRate: 0.1));
            var output = Aggregate(rule, honest, rows);
            Assert.Equal(8, output.Length);
        }
    }

    [Theory]
    [InlineData("flip", "unknown attack 'flip' (known: sign-flip, bitflip")]
    [InlineData("label-flip", "'label-flip' is a data attack")]
    [InlineData("stale", "'stale' is an async behaviour")]
    [InlineData("ipm:eps=-1", "attack 'ipm:eps=-1': parameter 'eps=-1' is invalid: expected a finite number ≥ 0")]
    [InlineData("ipm:epsilon=1", "unknown parameter 'epsilon' (known: eps)")]
    [InlineData("sign-flip:of=all", "expected one of own, mean")]
    [InlineData("gaussian:sigma=abc", "'sigma=abc' is invalid")]
    [InlineData("alie:z=big", "'z=big' is invalid")]
    [InlineData("large-norm:norm=0", "expected a number > 0")]
    [InlineData("ipm+median", "do not chain")]
    [InlineData("", "empty attack")]
    [InlineData("IPM", "not a valid name")]
    [InlineData("optimal-ipm:proxy=nope", "'proxy=nope' is invalid")]
    [InlineData("optimal-ipm:evals=0", "'evals=0' is invalid")]
    [InlineData("optimal-ipm:search=golden,ratio=0.9", "unknown parameter 'ratio'")]
    [InlineData("optimal-alie:z=1", "unknown parameter 'z'")]
    public void CreateGradientAttack_BadSpec_ThrowsOneClearMessage(string spec, string expected)
    {
        var ex = Assert.Throws<SimByzException>(() => AttackCatalog.BuiltIn.CreateGradientAttack(spec));
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void CreateDataAttack_GradientAttackName_PointsToTheRightKind()
    {
        var ex = Assert.Throws<SimByzException>(() => AttackCatalog.BuiltIn.CreateDataAttack("ipm"));
        Assert.Contains("unknown data attack 'ipm': 'ipm' is a gradient attack (known: label-flip, label-perm)", ex.Message);
    }

    [Fact]
    public void Create_EachCallBuildsANewInstance()
        => Assert.NotSame(AttackCatalog.BuiltIn.CreateGradientAttack("optimal-ipm"), AttackCatalog.BuiltIn.CreateGradientAttack("optimal-ipm"));
}
