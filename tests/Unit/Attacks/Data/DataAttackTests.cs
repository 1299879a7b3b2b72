using SimByz.Attacks;
using SimByz.Attacks.Data;
using Xunit;

namespace SimByz.Tests.Unit.Attacks.Data;

public class DataAttackTests
{
    [Theory]
    [InlineData(0, 10, 9)]
    [InlineData(3, 10, 6)]
    [InlineData(9, 10, 0)]
    [InlineData(1, 2, 0)]
    [InlineData(2, 5, 2)]
    public void LabelFlip_MapsYToCMinusOneMinusY(int label, int classes, int expected)
        => Assert.Equal(expected, AttackCatalog.BuiltIn.CreateDataAttack("label-flip").PoisonLabel(label, classes));

    [Fact]
    public void LabelFlip_LabelOutOfRange_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => AttackCatalog.BuiltIn.CreateDataAttack("label-flip").PoisonLabel(10, 10));

    [Fact]
    public void LabelPermutation_ExplicitPermutation_MapsEachClass()
    {
        var attack = AttackCatalog.BuiltIn.CreateDataAttack("label-perm:perm=2;0;3;1");
        Assert.Equal("label-perm:perm=2;0;3;1", attack.Spec);
        Assert.Equal([2, 0, 3, 1], Enumerable.Range(0, 4).Select(y => attack.PoisonLabel(y, 4)));
    }

    [Fact]
    public void LabelPermutation_ExplicitPermutationWithWrongClassCount_ThrowsSimByzException()
    {
        var ex = Assert.Throws<SimByzException>(() => AttackCatalog.BuiltIn.CreateDataAttack("label-perm:perm=1;0").PoisonLabel(0, 10));
        Assert.Contains("lists 2 classes but the task has 10", ex.Message);
    }

    [Theory]
    [InlineData("label-perm:perm=0;0;1", "appears twice")]
    [InlineData("label-perm:perm=0;3;1", "not a class")]
    [InlineData("label-perm:perm=a;b", "not a class")]
    [InlineData("label-perm:perm=random,seed=-1", "seed")]
    [InlineData("label-perm:perm=1;0,seed=3", "unknown parameter 'seed'")]
    public void LabelPermutation_BadSpec_ThrowsClearMessage(string spec, string expected)
    {
        var ex = Assert.Throws<SimByzException>(() => AttackCatalog.BuiltIn.CreateDataAttack(spec));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void LabelPermutation_Random_IsADerangementFixedBySeeds()
    {
        var a = (LabelPermutationAttack)AttackCatalog.BuiltIn.CreateDataAttack("label-perm:seed=4", new AttackBuildContext(Seed: 99));
        var b = (LabelPermutationAttack)AttackCatalog.BuiltIn.CreateDataAttack("label-perm:perm=random,seed=4", new AttackBuildContext(Seed: 99));
        var c = (LabelPermutationAttack)AttackCatalog.BuiltIn.CreateDataAttack("label-perm:seed=5", new AttackBuildContext(Seed: 99));
        var d = (LabelPermutationAttack)AttackCatalog.BuiltIn.CreateDataAttack("label-perm:seed=4", new AttackBuildContext(Seed: 100));
        Assert.Equal("label-perm:perm=random,seed=4", a.Spec);
        int[] map = a.RandomPermutation(10);
        Assert.Equal(Enumerable.Range(0, 10), map.Order());
        for (int y = 0; y < 10; y++)
        {
            Assert.NotEqual(y, map[y]);
            Assert.Equal(map[y], a.PoisonLabel(y, 10));
        }
        Assert.Equal(map, b.RandomPermutation(10));
        Assert.NotEqual(map, c.RandomPermutation(10));
        Assert.NotEqual(map, d.RandomPermutation(10));
    }

    [Fact]
    public void LabelPermutation_RandomWithOneClass_ThrowsSimByzException()
        => Assert.Throws<SimByzException>(() => AttackCatalog.BuiltIn.CreateDataAttack("label-perm").PoisonLabel(0, 1));

    [Fact]
    public void LabelPermutation_ReversalPermutation_EqualsLabelFlip()
    {
        var perm = AttackCatalog.BuiltIn.CreateDataAttack("label-perm:perm=9;8;7;6;5;4;3;2;1;0");
        var flip = AttackCatalog.BuiltIn.CreateDataAttack("label-flip");
        for (int y = 0; y < 10; y++) Assert.Equal(flip.PoisonLabel(y, 10), perm.PoisonLabel(y, 10));
    }
}
