using SimByz.Aggregation;
using SimByz.Testing.Aggregation;
using SimByz.Tests.Unit.Support;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Zeno;

public class ZenoRuleTests
{
    // f(x) = ½‖x‖², x = (1, 2), γ = 0.5: f(x) = 2.5 and every trial point and score below is exact in binary.
    private static readonly float[][] Candidates =
    [
        [2, 4],   // x − γu = (0, 0): descent 2.5, ‖u‖² = 20
        [1, 2],   // (0.5, 1): descent 1.875, ‖u‖² = 5
        [-1, -2], // sign flip, (1.5, 3): descent −3.125, ‖u‖² = 5
        [0, 0],   // descent 0
        [10, 0],  // (−4, 2): descent −7.5, ‖u‖² = 100
    ];

    private static AggregationContext Context(IValidationOracle oracle, float[] model, double gamma = 0.5)
        => new() { Oracle = oracle, Model = model, LearningRate = gamma };

    private static (float[] Output, AggregationDiagnostics Diagnostics) Run(string spec, float[][] rows, AggregationContext context)
    {
        var rule = AggregatorCatalog.BuiltIn.Create(spec);
        var output = new float[rows[0].Length];
        var diagnostics = new AggregationDiagnostics();
        rule.Aggregate(GradientBatch.FromRows(rows), output, context, diagnostics);
        return (output, diagnostics);
    }

    private static int[] SelectedIndices(AggregationDiagnostics diagnostics)
    {
        var selected = new List<int>();
        for (int i = 0; i < diagnostics.InputCount; i++) if (diagnostics.Selected[i]) selected.Add(i);
        return selected.ToArray();
    }

    [Fact]
    public void Aggregate_SumPenalty_HandComputedScoresAndSelection()
    {
        var (output, diagnostics) = Run("zeno:b=2,rho=0.5,penalty=sum", Candidates, Context(QuadraticValidationOracle.Isotropic(0, 0), [1, 2]));

        // Score = descent − ρ‖u‖²
        Assert.Equal([2.5 - 10, 1.875 - 2.5, -3.125 - 2.5, 0, -7.5 - 50], diagnostics.Scores.ToArray());
        Assert.Equal([1, 2, 3], SelectedIndices(diagnostics));
        Assert.Equal([0f, 0f], output);
        Assert.True(diagnostics.HasScores && diagnostics.HasSelection);
    }

    [Fact]
    public void Aggregate_MeanPenalty_HandComputedScoresAndSelection()
    {
        var (output, diagnostics) = Run("zeno:b=2,rho=0.5,penalty=mean", Candidates, Context(QuadraticValidationOracle.Isotropic(0, 0), [1, 2]));

        // Score = descent − ρ·mean(u²) = descent − ρ‖u‖²/2: the penalty form changes which rows survive.
        Assert.Equal([2.5 - 5, 1.875 - 1.25, -3.125 - 1.25, 0, -7.5 - 25], diagnostics.Scores.ToArray());
        Assert.Equal([0, 1, 3], SelectedIndices(diagnostics));
        Assert.Equal([1f, 2f], output);
        Assert.Equal(1.0 / 3, diagnostics.Weights[0]);
        Assert.Equal(0.0, diagnostics.Weights[2]);
    }

    [Fact]
    public void Aggregate_DiagonalCurvature_ScoresMatchClosedForm()
    {
        // f(x) = ½(2(x₀−1)² + 0.5(x₁+1)²) at x = (3, 1), γ = 0.25, ρ = 0.125:
        // u = (4, 0): x − γu = (2, 1): f = ½(2·1 + 0.5·4) = 2; f(x) = ½(2·4 + 0.5·4) = 5; score = 3 − 0.125·16 = 1.
        var oracle = new QuadraticValidationOracle([2, 0.5], [1, -1]);
        var (_, diagnostics) = Run("zeno:b=0,rho=0.125", [[4, 0]], Context(oracle, [3, 1], gamma: 0.25));
        Assert.Equal(1.0, diagnostics.Scores[0]);
    }

    [Fact]
    public void Aggregate_BAtLeastQ_KeepsOnlyHonestRowsAgainstSignFlip()
    {
        // Honest workers send noisy copies of the true gradient A(x − c); q = 4 of n = 10 send −4 × the honest mean.
        const int n = 10, q = 4, d = 6;
        var oracle = new QuadraticValidationOracle([1, 2, 0.5, 1, 3, 1], [0.5, -1, 2, 0, 1, -0.5]);
        float[] model = [1, 1, 1, 1, 1, 1];
        var truth = new float[d];
        oracle.LossAndGradient(model, truth);
        var rows = new float[n][];
        var honestMean = new float[d];
        for (int i = q; i < n; i++)
        {
            rows[i] = new float[d];
            for (int j = 0; j < d; j++) rows[i][j] = truth[j] * (1 + 0.05f * ((i * 7 + j * 3) % 5 - 2));
            for (int j = 0; j < d; j++) honestMean[j] += rows[i][j] / (n - q);
        }
        for (int i = 0; i < q; i++) rows[i] = honestMean.Select(v => -4 * v).ToArray();

        foreach (int b in new[] { q, q + 1 })
        {
            var (output, diagnostics) = Run($"zeno:b={b},rho=0.0005", rows, Context(oracle, model, gamma: 0.1));
            int[] selected = SelectedIndices(diagnostics);
            Assert.Equal(n - b, selected.Length);
            Assert.All(selected, i => Assert.True(i >= q, $"b={b}: Byzantine row {i} selected"));
            Assert.True(TensorDot(output, truth) > 0, "the aggregate must point along the true gradient");
        }
    }

    [Fact]
    public void Aggregate_NonFiniteRows_ScoreMinusInfinityAndNeverAveraged()
    {
        float[][] rows = [[1, 2], [float.NaN, 0], [1, 2], [float.PositiveInfinity, 1]];
        var (output, diagnostics) = Run("zeno:b=1,rho=0", rows, Context(QuadraticValidationOracle.Isotropic(0, 0), [1, 2]));

        Assert.Equal(double.NegativeInfinity, diagnostics.Scores[1]);
        Assert.Equal(double.NegativeInfinity, diagnostics.Scores[3]);
        Assert.Equal(2, diagnostics.NonFiniteRows);
        // b = 1 drops row 3 (equal −∞ scores: the higher index ranks lower); row 1 is kept but, non-finite, not averaged.
        Assert.Equal([0, 2], SelectedIndices(diagnostics));
        Assert.Equal([1f, 2f], output);
    }

    [Fact]
    public void Aggregate_EqualScores_TieBrokenByLowerIndex()
    {
        float[][] rows = [[1, 2], [1, 2], [1, 2]];
        var (_, diagnostics) = Run("zeno:b=1", rows, Context(QuadraticValidationOracle.Isotropic(0, 0), [1, 2]));
        Assert.Equal([0, 1], SelectedIndices(diagnostics));
    }

    [Fact]
    public void Aggregate_BZeroOnFiniteInput_EqualsMeanBitForBit()
    {
        float[][] rows = [[0.1f, -3.7f, 2.2f], [1.3f, 0.01f, -5f], [7f, 2.5f, 0.3f]];
        var (zeno, _) = Run("zeno:b=0", rows, Context(QuadraticValidationOracle.Isotropic(0, 0, 0), [1, 1, 1]));
        var (mean, _) = Run("mean", rows, AggregationContext.None);
        Assert.Equal(mean, zeno);
    }

    [Fact]
    public void Aggregate_IdenticalRows_ReturnsThatRowExactly()
    {
        float[] row = [0.1f, 0.7f, -3.3f, 1e-7f];
        var (output, _) = Run("zeno:b=1", [row, row, row, row], Context(QuadraticValidationOracle.Isotropic(0, 0, 0, 0), [1, 1, 1, 1]));
        Assert.Equal(row, output);
    }

    [Fact]
    public void Aggregate_AnyBBelowN_Accepted_BAtLeastN_Rejected()
    {
        var context = Context(QuadraticValidationOracle.Isotropic(0, 0), [1, 2]);
        var (output, diagnostics) = Run("zeno:b=4", Candidates, context);
        Assert.Equal([0], SelectedIndices(diagnostics));
        Assert.Equal([2f, 4f], output);
        var ex = Assert.Throws<SimByzException>(() => Run("zeno:b=5", Candidates, context));
        Assert.Contains("b < n", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregate_WithoutOracle_ThrowsSayingItNeedsValidationData()
    {
        var ex = Assert.Throws<SimByzException>(() => Run("zeno:b=1", Candidates, AggregationContext.None));
        Assert.Contains("validation data", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<SimByzException>(() => Run("zeno:b=1", Candidates, Context(QuadraticValidationOracle.Isotropic(0, 0, 0), [1, 2, 3])));
        Assert.Contains("d = 2", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<SimByzException>(() => Run("zeno:b=1", Candidates, Context(QuadraticValidationOracle.Isotropic(0, 0), [1, 2], gamma: 0)));
        Assert.Contains("learning rate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_Spec_IsCanonicalAndBDefaultsToDeclaredQ()
    {
        Assert.Equal("zeno:b=2,rho=0.5,penalty=mean", AggregatorCatalog.BuiltIn.Create("zeno:penalty=mean,rho=0.5,b=2").Spec);
        Assert.Equal("zeno:b=3,rho=0.0005,penalty=sum", AggregatorCatalog.BuiltIn.Create("zeno", new AggregatorBuildContext(DeclaredByzantine: 3)).Spec);
        Assert.Contains("'b' is required", Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.Create("zeno")).Message, StringComparison.Ordinal);
        Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.Create("zeno:b=1,penalty=max"));
        Assert.Throws<SimByzException>(() => AggregatorCatalog.BuiltIn.Create("zeno:b=1,rho=-1"));
    }

    [Theory]
    [InlineData("sum", 1)]
    [InlineData("mean", 2)]
    [InlineData("sum", 3)]
    public void Aggregate_SeededRandomInputs_MatchesDirectComputationOfTheDefinition(string penalty, ulong seed)
    {
        const int n = 9, d = 13, b = 3;
        const double gamma = 0.3, rho = 0.02;
        var random = new SimByz.Scheduler.RandomStream(seed);
        float Draw() => (float)(4 * random.NextDouble() - 2);
        var curvature = Enumerable.Range(0, d).Select(_ => 0.1 + 2 * random.NextDouble()).ToArray();
        var center = Enumerable.Range(0, d).Select(_ => (double)Draw()).ToArray();
        var oracle = new QuadraticValidationOracle(curvature, center);
        float[] model = Enumerable.Range(0, d).Select(_ => Draw()).ToArray();
        float[][] rows = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => Draw()).ToArray()).ToArray();

        var (output, diagnostics) = Run($"zeno:b={b},rho=0.02,penalty={penalty}", rows, Context(oracle, model, gamma));

        double Loss(float[] x) => Enumerable.Range(0, d).Sum(j => 0.5 * curvature[j] * (x[j] - center[j]) * (x[j] - center[j]));
        var expected = rows.Select(u =>
        {
            float[] trial = Enumerable.Range(0, d).Select(j => model[j] - (float)gamma * u[j]).ToArray();
            double squares = u.Sum(v => (double)v * v);
            return Loss(model) - Loss(trial) - rho * (penalty == "sum" ? squares : squares / d);
        }).ToArray();
        for (int i = 0; i < n; i++) Assert.Equal(expected[i], diagnostics.Scores[i], 1e-6); // DetVec squares in float32

        int[] kept = Enumerable.Range(0, n).OrderByDescending(i => expected[i]).ThenBy(i => i).Take(n - b).Order().ToArray();
        Assert.Equal(kept, SelectedIndices(diagnostics));
        for (int j = 0; j < d; j++) Assert.Equal(kept.Average(i => (double)rows[i][j]), output[j], 1e-6);
    }

    [Fact]
    public void Aggregate_AfterWarmUp_AllocatesNothing()
    {
        var rule = AggregatorCatalog.BuiltIn.Create("zeno:b=2");
        var batch = GradientBatch.FromRows(Candidates);
        var output = new float[2];
        var diagnostics = new AggregationDiagnostics();
        var context = Context(QuadraticValidationOracle.Isotropic(0, 0), [1, 2]);
        rule.Aggregate(batch, output, context, diagnostics);
        Assert.Equal(0, ThreadAllocations.Least(() => rule.Aggregate(batch, output, context, diagnostics)));
    }

    private static double TensorDot(float[] a, float[] b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) s += (double)a[j] * b[j];
        return s;
    }
}
