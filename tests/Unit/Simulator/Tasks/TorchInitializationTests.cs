using SimByz.Scheduler;
using SimByz.Simulator.Tasks;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Tasks;

/// <summary><c>init=torch</c>: PyTorch's nn.Linear defaults (weights and biases U(±1/√fan_in)) beside each model's own scheme.</summary>
public sealed class TorchInitializationTests
{
    private const int Features = 20, Hidden = 7, Classes = 3;

    private static float[] Init(string spec, ulong seed, int features = Features, int classes = Classes)
    {
        var model = ModelCatalog.Create(spec, features, classes);
        var x = new float[model.ParameterCount];
        model.Initialize(x, new RandomStream(seed));
        return x;
    }

    /// <summary>Asserts every value of <paramref name="values"/> lies in ±bound, the largest reaches 80 % of it, and not all are equal.</summary>
    private static void AssertUniformWithin(ReadOnlySpan<float> values, double bound, string what)
    {
        double max = 0;
        foreach (float v in values)
        {
            Assert.True(Math.Abs(v) <= bound, $"{what}: {v} outside ±{bound}");
            max = Math.Max(max, Math.Abs(v));
        }
        Assert.True(max >= 0.8 * bound, $"{what}: largest |value| {max} far below the bound {bound}");
    }

    [Fact]
    public void Mlp_InitTorch_WeightsAndBiasesWithinOneOverSqrtFanIn()
    {
        var x = Init("mlp:hidden=7,init=torch", seed: 4);
        int w1 = Hidden * Features, w2 = Classes * Hidden;
        Assert.Equal(w1 + Hidden + w2 + Classes, x.Length);
        AssertUniformWithin(x.AsSpan(0, w1), 1 / Math.Sqrt(Features), "hidden weights");
        AssertUniformWithin(x.AsSpan(w1, Hidden), 1 / Math.Sqrt(Features), "hidden biases");
        AssertUniformWithin(x.AsSpan(w1 + Hidden, w2), 1 / Math.Sqrt(Hidden), "output weights");
        Assert.Contains(x.AsSpan(w1 + Hidden + w2, Classes).ToArray(), v => v != 0);
    }

    [Fact]
    public void Mlp_InitTorch_ExactlyTheDocumentedDrawsInLayoutOrder()
    {
        var x = Init("mlp:hidden=7,init=torch", seed: 9);
        var rng = new RandomStream(9);
        for (int i = 0; i < Hidden * Features + Hidden; i++)
        {
            Assert.Equal((float)((2 * rng.NextDouble() - 1) / Math.Sqrt(Features)), x[i]);
        }
        Assert.Equal((float)((2 * rng.NextDouble() - 1) / Math.Sqrt(Hidden)), x[Hidden * Features + Hidden]);
    }

    [Fact]
    public void Mlp_InitTorch_DeterministicPerSeedAndDifferentFromDefault()
    {
        Assert.Equal(Init("mlp:hidden=7,init=torch", 4), Init("mlp:hidden=7,init=torch", 4));
        Assert.NotEqual(Init("mlp:hidden=7,init=torch", 4), Init("mlp:hidden=7,init=torch", 5));
        var he = Init("mlp:hidden=7", 4);
        // The default keeps He/Glorot weights with zero biases, and its explicit name gives the same vector.
        Assert.Equal(he, Init("mlp:hidden=7,init=he-glorot", 4));
        Assert.All(he.AsSpan(Hidden * Features, Hidden).ToArray(), b => Assert.Equal(0f, b));
        Assert.Contains(he.AsSpan(0, Hidden * Features).ToArray(), v => Math.Abs(v) > 1 / Math.Sqrt(Features));
    }

    [Fact]
    public void Softmax_InitTorch_WithinBoundAndDefaultStaysZero()
    {
        var x = Init("softmax:init=torch", seed: 2);
        AssertUniformWithin(x, 1 / Math.Sqrt(Features), "softmax parameters");
        Assert.All(Init("softmax", 2), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Spec_InitTorchInCanonicalText_DefaultTextUnchanged_BadValueNamed()
    {
        Assert.Equal("mlp:hidden=7,init=torch", ModelCatalog.Create("mlp:hidden=7,init=torch", Features, Classes).Spec);
        Assert.Equal("mlp:hidden=7", ModelCatalog.Create("mlp:hidden=7", Features, Classes).Spec);
        Assert.Equal("softmax:init=torch", ModelCatalog.Create("softmax:init=torch", Features, Classes).Spec);
        Assert.Equal("softmax", ModelCatalog.Create("softmax", Features, Classes).Spec);
        var ex = Assert.Throws<SimByzException>(() => ModelCatalog.Validate("mlp:init=xavier"));
        Assert.Contains("he-glorot, torch", ex.Message, StringComparison.Ordinal);
        Assert.Equal("mlp:hidden=7,init=torch", ModelCatalog.Create("mlp:hidden=7,init=torch", Features, Classes).Clone().Spec);
    }

    [Fact]
    public void Bound_KaimingUniformWithASqrt5_IsOneOverSqrtFanIn()
    {
        // kaiming_uniform_(a=√5): gain = √(2/(1 + a²)), bound = gain·√(3/fan_in).
        foreach (int fanIn in new[] { 1, 25, 784 })
        {
            double gain = Math.Sqrt(2.0 / (1 + 5));
            Assert.Equal(gain * Math.Sqrt(3.0 / fanIn), TorchInitialization.Bound(fanIn), 12);
        }
    }
}
