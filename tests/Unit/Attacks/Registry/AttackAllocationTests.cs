using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Tests.Unit.Support;
using Xunit;
using static SimByz.Tests.Unit.Attacks.AttackKit;

namespace SimByz.Tests.Unit.Attacks.Registry;

/// <summary>After a warm-up call, crafting allocates nothing (buffers are kept and reused).</summary>
public class AttackAllocationTests
{
    public static TheoryData<string> Specs()
    {
        var data = new TheoryData<string>();
        foreach (var info in AttackCatalog.BuiltIn.GradientAttacks)
        {
            if (info.Name != "omission") data.Add(info.Name);
        }
        data.Add("alie:variant=byzfl");
        data.Add("sign-flip:of=mean");
        data.Add("optimal-ipm:search=golden");
        data.Add("zeno-aware:target=zenopp,form=plain,eps=-1");
        return data;
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Craft_AfterWarmUp_AllocatesNothing(string spec)
    {
        var rng = new SimByz.Scheduler.RandomStream(3);
        var honest = new float[9][];
        for (int i = 0; i < honest.Length; i++)
        {
            honest[i] = new float[64];
            for (int j = 0; j < 64; j++) honest[i][j] = (float)(0.2 + rng.NextNormal());
        }
        var attack = Attack(spec, new AttackBuildContext(DeclaredByzantine: 3));
        var context = Context(honest, 3, own: [honest[0], honest[1], honest[2]], aggregator: AggregatorCatalog.BuiltIn.Create("median"), workers: 12, learningRate: 0.1);
        var output = new float[3 * 64];
        attack.Craft(context, output);
        Assert.Equal(0, ThreadAllocations.Least(() =>
        {
            attack.Craft(context, output);
            attack.Craft(context, output);
        }));
    }
}
