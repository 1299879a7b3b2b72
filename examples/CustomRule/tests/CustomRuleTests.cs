using CustomRule;
using SimByz;
using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Simulator.Composition;
using SimByz.Specs;
using SimByz.Testing.Contracts;
using Xunit;

namespace CustomRule.Tests;

public class CustomRuleTests
{
    private static AggregatorCatalog Catalog()
    {
        // The catalogue a host would build: the built-ins plus this plug-in's components.
        var root = PluginLoader.Load(CompositionRoot.Default, [typeof(CustomRulePlugin).Assembly.Location]);
        return root.Catalogs.Aggregators;
    }

    [Fact]
    public void Phocas_KeepsTheRuleContract()
        => AggregatorContract.Verify(() => new PhocasRule(2), new AggregatorContract.Options(Catalog: Catalog()));

    [Fact]
    public void MinMax_KeepsTheAttackContract()
    {
        GradientAttackContract.Verify(() => MinMaxAttack.Create(ComponentSpec.Parse("min-max").Read()));
        GradientAttackContract.Verify(() => MinMaxAttack.Create(ComponentSpec.Parse("min-max:dev=std").Read()));
    }

    [Fact]
    public void Phocas_OneOutlierPerCoordinate_IsIgnored()
    {
        float[] data = [1, 10, 2, 20, 3, 30, 4, 40, 1000, -1000];
        var output = new float[2];
        new PhocasRule(1).Aggregate(new GradientBatch(data, 5, 2), output, AggregationContext.None);
        // Column 1: trimmed mean of {1,2,3,4,1000} is 3; the 4 nearest are 1..4 → 2.5. Column 2 likewise → 25.
        Assert.Equal([2.5f, 25f], output);
    }

    [Fact]
    public void MinMax_StaysWithinTheHonestSpread()
    {
        var rng = new SimByz.Scheduler.RandomStream(1);
        int h = 8, d = 5;
        var honest = new float[h * d];
        for (int i = 0; i < honest.Length; i++) honest[i] = (float)rng.NextNormal(1, 1);
        var batch = new GradientBatch(honest, h, d);
        var output = new float[2 * d];
        MinMaxAttack.Create(ComponentSpec.Parse("min-max").Read()).Craft(new AttackContext { Honest = batch, Dimension = d, ByzantineCount = 2, WorkerCount = 10, Rng = new SimByz.Scheduler.RandomStream(2) }, output);
        double spread = 0, worst = 0;
        for (int a = 0; a < h; a++)
        {
            for (int b = 0; b < h; b++) spread = Math.Max(spread, Distance(batch.Row(a), batch.Row(b)));
            worst = Math.Max(worst, Distance(batch.Row(a), output.AsSpan(0, d)));
        }
        Assert.True(worst <= spread * (1 + 1e-6), $"{worst} > {spread}");
        Assert.True(worst > 0.9 * spread, $"γ was not pushed to the bound: {worst} vs {spread}");
    }

    [Fact]
    public void Plugin_NamesClashWithNothing_AndAreListedWithTheirOrigin()
    {
        var root = PluginLoader.Load(CompositionRoot.Default, [typeof(CustomRulePlugin).Assembly.Location]);
        var plugin = Assert.Single(root.Plugins);
        Assert.Equal(["rule phocas", "attack min-max"], plugin.Components);
        Assert.Throws<SimByzException>(() => root.Catalogs.Aggregators.Create("phocas:b=4").CheckTolerance(8));
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) s += (a[j] - (double)b[j]) * (a[j] - (double)b[j]);
        return Math.Sqrt(s);
    }
}
