using System.Security.Cryptography;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Tasks;

public class ModelBehaviourTests
{
    public static TheoryData<string, int> Specs => new()
    {
        { "linear", 0 },
        { "logistic", 2 },
        { "softmax", 4 },
        { "mlp:hidden=8", 4 },
        { "mlp:hidden=8;6", 4 },
        { "quadratic", 0 },
    };

    private static Dataset DataFor(int classes, ulong seed)
        => classes == 0 ? ModelTestData.Regression(40, 13, seed) : ModelTestData.Classification(40, 13, classes, seed);

    [Theory]
    [MemberData(nameof(Specs))]
    public void LossAndGradient_SameInputs_SameBytesAcrossInstancesAndCalls(string spec, int classes)
    {
        var data = DataFor(classes, 21);
        var a = ModelCatalog.Create(spec, 13, classes);
        var b = a.Clone();
        var p = ModelTestData.Parameters(a.ParameterCount, 5);
        int[] rows = [3, 1, 4, 1, 5, 9, 2, 6, 35, 39];
        var g1 = new float[a.ParameterCount];
        var g2 = new float[a.ParameterCount];
        double l1 = a.LossAndGradient(p, data, rows, g1);
        a.LossAndGradient(p, data, [0, 1], g2); // dirty the scratch buffers
        double l2 = b.LossAndGradient(p, data, rows, g2);
        Assert.Equal(BitConverter.DoubleToInt64Bits(l1), BitConverter.DoubleToInt64Bits(l2));
        Assert.Equal(g1, g2);
        Assert.Equal(a.Spec, b.Spec);
    }

    [Theory]
    [InlineData("mlp:hidden=8", 13)]
    [InlineData("mlp:hidden=8;6", 4)]
    [InlineData("mlp:hidden=100,init=torch", 784)]
    [InlineData("softmax", 13)]
    public void EvaluateEach_SameBitsAsEachRowEvaluatedAlone(string spec, int features)
    {
        // 75 rows: two full blocks of 32 and a partial one (the MLP's blocks), with repeats and rows out of order.
        var data = ModelTestData.Classification(60, features, 4, 31);
        var created = ModelCatalog.Create(spec, features, 4);
        var model = Assert.IsAssignableFrom<IRowwiseEvaluation>(created);
        var alone = created.Clone();
        var p = ModelTestData.Parameters(created.ParameterCount, 9, 2.0);
        var rows = Enumerable.Range(0, 75).Select(i => (i * 37 + 11) % 60).ToArray();
        var loss = new double[rows.Length];
        var hit = new bool[rows.Length];
        alone.Evaluate(p, data, [0, 1, 2]); // dirty the scratch buffers
        model.EvaluateEach(p, data, rows, loss, hit);
        int hits = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            var e = alone.Evaluate(p, data, [rows[i]]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(e.Loss), BitConverter.DoubleToInt64Bits(loss[i]));
            Assert.Equal(e.Accuracy == 1.0, hit[i]);
            if (hit[i]) hits++;
        }
        Assert.InRange(hits, 1, rows.Length - 1); // both outcomes occur, so the hit flags are really compared
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Initialize_SameStream_SameParameters_AndDocumentedInit(string spec, int classes)
    {
        var model = ModelCatalog.Create(spec, 13, classes);
        var p1 = new float[model.ParameterCount];
        var p2 = new float[model.ParameterCount];
        model.Initialize(p1, RandomStreams.Derive(7, StreamPurpose.ModelInit));
        model.Initialize(p2, RandomStreams.Derive(7, StreamPurpose.ModelInit));
        Assert.Equal(p1, p2);
        if (!spec.StartsWith("mlp", StringComparison.Ordinal))
        {
            Assert.All(p1, v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Initialize_Mlp_HeUniformHiddenGlorotOutputZeroBiases()
    {
        var model = ModelCatalog.Create("mlp:hidden=50", 20, 10);
        Assert.Equal(50 * 21 + 10 * 51, model.ParameterCount);
        var p = new float[model.ParameterCount];
        model.Initialize(p, new RandomStream(3));
        double he = Math.Sqrt(6.0 / 20), glorot = Math.Sqrt(6.0 / 60);
        var w1 = p.AsSpan(0, 1000).ToArray();
        Assert.All(w1, v => Assert.InRange(Math.Abs(v), 0, he));
        Assert.True(w1.Max() > 0.9 * he && w1.Min() < -0.9 * he, "hidden weights should fill ±√(6/fan_in)");
        Assert.All(p.AsSpan(1000, 50).ToArray(), v => Assert.Equal(0f, v));
        var w2 = p.AsSpan(1050, 500).ToArray();
        Assert.All(w2, v => Assert.InRange(Math.Abs(v), 0, glorot));
        Assert.True(w2.Max() > 0.9 * glorot);
        Assert.All(p.AsSpan(1550, 10).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData("softmax")]
    [InlineData("mlp:hidden=8")]
    public void LossAndGradient_HugeLogits_StayFinite(string spec)
    {
        var data = ModelTestData.Classification(10, 6, 3, 8, scale: 1e3);
        var model = ModelCatalog.Create(spec, 6, 3);
        var p = ModelTestData.Parameters(model.ParameterCount, 2, scale: 1e3);
        var g = new float[model.ParameterCount];
        double loss = model.LossAndGradient(p, data, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], g);
        Assert.True(double.IsFinite(loss) && loss >= 0, $"loss {loss}");
        Assert.True(loss > 1e3, "confidently wrong predictions on random labels cost a lot");
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        var e = model.Evaluate(p, data, [0, 1, 2]);
        Assert.True(double.IsFinite(e.Loss));
    }

    [Fact]
    public void Evaluate_Softmax_AccuracyIsFractionOfArgMaxHits()
    {
        // Two classes separated along feature 0; W picks feature 0 for class 1.
        var x = new float[] { -1, 0, 2, 0, -3, 0, 4, 0 };
        var data = new Dataset(x, 4, 2, [0, 1, 1, 1], 2);
        var model = ModelCatalog.Create("softmax", 2, 2);
        float[] p = [-1, 0, 1, 0, 0, 0];
        var e = model.Evaluate(p, data, [0, 1, 2, 3]);
        Assert.Equal(0.75, e.Accuracy);
        Assert.Equal(model.Loss(p, data, [0, 1, 2, 3]), e.Loss);
        Assert.True(double.IsNaN(ModelCatalog.Create("linear", 2, 0).Evaluate(new float[3], ModelTestData.Regression(3, 2, 1), [0]).Accuracy));
    }

    /// <summary>
    /// Golden hashes of the gradient bytes: the managed models promise identical bytes on every
    /// machine and vector width (checked by running this test with DOTNET_EnableHWIntrinsic=0 and
    /// DOTNET_EnableAVX2=0 as well). A change here changes every recorded trace.
    /// </summary>
    [Theory]
    [InlineData("softmax", "D97910B16354D23F")]
    [InlineData("mlp:hidden=32;16", "54A6417B58952D82")]
    public void LossAndGradient_FixedInputs_MatchGoldenHash(string spec, string expected)
    {
        var data = ModelTestData.Classification(64, 37, 10, 77);
        var model = ModelCatalog.Create(spec, 37, 10);
        var p = new float[model.ParameterCount];
        model.Initialize(p, new RandomStream(4));
        var extra = ModelTestData.Parameters(model.ParameterCount, 6, 0.1);
        for (int i = 0; i < p.Length; i++) p[i] += extra[i];
        var g = new float[model.ParameterCount];
        var rows = Enumerable.Range(0, 64).ToArray();
        double loss = model.LossAndGradient(p, data, rows, g);
        var bytes = new byte[g.Length * 4 + 8];
        Buffer.BlockCopy(g, 0, bytes, 0, g.Length * 4);
        BitConverter.GetBytes(loss).CopyTo(bytes, g.Length * 4);
        Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(bytes))[..16]);
    }

    [Fact]
    public void LossAndGradient_WrongShapes_Throw()
    {
        var model = ModelCatalog.Create("softmax", 4, 3);
        var data = ModelTestData.Classification(5, 4, 3, 1);
        Assert.Throws<ArgumentException>(() => model.LossAndGradient(new float[3], data, [0], new float[model.ParameterCount]));
        Assert.Throws<ArgumentException>(() => model.LossAndGradient(new float[model.ParameterCount], data, [0], new float[2]));
        Assert.Throws<ArgumentException>(() => model.Loss(new float[model.ParameterCount], data, []));
        Assert.Throws<ArgumentException>(() => model.Loss(new float[model.ParameterCount], ModelTestData.Classification(5, 7, 3, 1), [0]));
    }
}
