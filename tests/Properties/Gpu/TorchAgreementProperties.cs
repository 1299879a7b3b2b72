using FsCheck.Xunit;
using SimByz.Aggregation;
using SimByz.Gpu;
using SimByz.Gpu.Composition;
using SimByz.Gpu.Aggregation;
using SimByz.Testing.Aggregation;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Gpu;

/// <summary>TorchSharp properties run one at a time (CONVENTIONS.md).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}

/// <summary>
/// Each tensor twin agrees with its managed rule on random batches (sizes, outliers, ties, non-finite
/// rows). Tolerance: |torch − managed| ≤ 1e-5·(1 + max |finite input|) per coordinate, non-finite
/// coordinates identical. Selection rules (Krum, Multi-Krum, Bulyan, MDA, MoNNA, NNM, Zeno) must select
/// the same inputs, except when the batch has a near tie (two scores or pairwise distances closer than
/// 1e-6 relative but not equal), which the test detects and then allows a
/// different output.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TorchAgreementProperties
{
    private const double Tolerance = 1e-5;
    private const int Cases = 20;
    private static readonly TorchDevice Device = TorchDevice.Cpu;

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void Mean_RandomBatch_AgreesWithManaged(BatchCase c) => Check("mean", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void Median_RandomBatch_AgreesWithManaged(BatchCase c) => Check("median", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void TrimmedMean_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"trimmed-mean:b={c.F}", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void GeometricMedianByzfl_RandomBatch_AgreesWithManaged(BatchCase c) => Check("geometric-median:variant=byzfl", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void GeometricMedianFedlib_RandomBatch_AgreesWithManaged(BatchCase c) => Check("geometric-median:variant=fedlib,iters=20,eps=0.0001", c, tolerance: 1e-4);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void KrumBlanchard_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"krum:f={c.F},variant=blanchard", c, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void KrumByzfl_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"krum:f={c.F},variant=byzfl", c, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void MultiKrum_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"multi-krum:f={c.F}", c, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void BulyanFlower_RandomBatch_AgreesWithManaged(BatchCase c) => Check("bulyan:f=1,variant=flower", c with { NonFinite = Math.Min(c.NonFinite, 1) }, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void BulyanAggregathor_RandomBatch_AgreesWithManaged(BatchCase c) => Check("bulyan:f=1,variant=aggregathor", c with { NonFinite = Math.Min(c.NonFinite, 1) }, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void CenteredClipping_ThreeRounds_AgreesWithManaged(BatchCase c) => Check("cc:tau=2,iters=2", c, rounds: 3);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void MeaMed_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"meamed:f={c.F}", c);

    /// <summary>Columns of a few repeated values (SimByzArbitraries): the closest-to-the-median tie rule.</summary>
    [Property(MaxTest = Cases, Arbitrary = [typeof(SimByzArbitraries)])]
    public void MeaMed_RepeatedValues_AgreesWithManaged(RepeatedValuesCase c)
        => Check($"meamed:f={c.F}", GradientBatch.FromRows(c.Rows), c.ToString(), seed: 0);

    /// <summary>Columns of a few repeated values: exact Krum ties are broken alike, then the second stage's tie rule.</summary>
    [Property(MaxTest = Cases, Arbitrary = [typeof(SimByzArbitraries)])]
    public void Bulyan_RepeatedValues_AgreesWithManaged(RepeatedValuesCase c)
    {
        foreach (string variant in new[] { "flower", "aggregathor" })
        {
            Check($"bulyan:f={c.BulyanF},variant={variant}", GradientBatch.FromRows(c.Rows), c.ToString(), seed: 0, selection: true);
        }
    }

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void Mda_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"mda:f={c.F}", c, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void Monna_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"monna:f={c.F}", c, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void SignMajority_RandomBatch_AgreesWithManaged(BatchCase c) => Check("sign-majority", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void ZenoSumPenalty_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"zeno:b={c.F},rho=0.001,penalty=sum", c, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void ZenoMeanPenalty_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"zeno:b={c.F},rho=0.01,penalty=mean", c, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void BucketingThenMedian_ThreeRounds_AgreesWithManaged(BatchCase c) => Check("bucketing:s=2+median", c, rounds: 3);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void NnmThenMean_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"nnm:f={c.F}+mean", c, selection: true);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void ClippingThenMean_RandomBatch_AgreesWithManaged(BatchCase c) => Check("clipping:tau=3+mean", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(GpuArbitraries)])]
    public void ArcThenTrimmedMean_RandomBatch_AgreesWithManaged(BatchCase c) => Check($"arc:f={c.F}+trimmed-mean:b={c.F}", c);

    [Fact]
    public void Catalogue_EveryManagedRuleAndPreAggregator_HasTensorTwin()
    {
        var catalogs = TorchComponents.BuiltIn(Device);
        foreach (var entry in catalogs.Aggregators.Rules.Entries) Assert.True(entry.Twin is not null, $"rule {entry.Info.Name} has no tensor twin");
        foreach (var entry in catalogs.Aggregators.PreAggregators.Entries) Assert.True(entry.Twin is not null, $"pre-aggregator {entry.Info.Name} has no tensor twin");
        Assert.Equal(AggregatorCatalog.BuiltIn.Rules.Names, TorchComponents.RuleNames);
    }

    private static void Check(string spec, BatchCase c, bool selection = false, int rounds = 1, double tolerance = Tolerance)
        => Check(spec, c.Build(), c.ToString(), c.Seed, selection, rounds, tolerance);

    private static void Check(string spec, GradientBatch batch, string label, ulong seed, bool selection = false, int rounds = 1, double tolerance = Tolerance)
    {
        var build = new AggregatorBuildContext(Seed: seed);
        var managed = AggregatorCatalog.BuiltIn.Create(spec, build);
        var torch = TorchComponents.CreateRule(spec, Device, build);
        Assert.Equal(managed.Spec, torch.Spec);
        var context = ZenoContext(batch, seed);
        var managedDiag = new AggregationDiagnostics();
        var torchDiag = new AggregationDiagnostics();
        var expected = new float[batch.Dimension];
        var actual = new float[batch.Dimension];
        for (int round = 0; round < rounds; round++)
        {
            managed.Aggregate(batch, expected, context, managedDiag);
            torch.Aggregate(batch, actual, context, torchDiag);
            if (selection && managedDiag.HasSelection && !managedDiag.Selected.SequenceEqual(torchDiag.Selected))
            {
                Assert.True(HasNearTie(batch, managedDiag),
                    $"{spec} on {label}: selections differ without a near tie: managed [{Flags(managedDiag.Selected)}], torch [{Flags(torchDiag.Selected)}]");
                return;
            }
            AssertClose(spec, label, batch, expected, actual, tolerance);
        }
    }

    private static AggregationContext ZenoContext(GradientBatch batch, ulong seed)
    {
        var rng = new SimByz.Scheduler.RandomStream(seed ^ 0x5eed);
        var center = new double[batch.Dimension];
        var model = new float[batch.Dimension];
        for (int j = 0; j < center.Length; j++)
        {
            center[j] = rng.NextNormal(0, 2);
            model[j] = (float)rng.NextNormal(0, 2);
        }
        return new AggregationContext { Model = model, LearningRate = 0.1, Oracle = QuadraticValidationOracle.Isotropic(center) };
    }

    private static void AssertClose(string spec, string label, GradientBatch batch, float[] expected, float[] actual, double tolerance)
    {
        double scale = 1;
        foreach (float v in batch.Data) if (float.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v));
        for (int j = 0; j < expected.Length; j++)
        {
            float e = expected[j], a = actual[j];
            if (!float.IsFinite(e) || !float.IsFinite(a))
            {
                Assert.True(e.Equals(a), $"{spec} on {label}: coordinate {j}: managed {e}, torch {a}");
                continue;
            }
            Assert.True(Math.Abs(e - a) <= tolerance * (1 + scale), $"{spec} on {label}: coordinate {j}: managed {e:R}, torch {a:R} (tolerance {tolerance}·(1+{scale}))");
        }
    }

    /// <summary>
    /// True when two finite scores of the managed diagnostics, or two pairwise squared distances, are
    /// within 1e-6 relative of each other but not equal. Exact ties (duplicated rows, grid data) are
    /// computed exactly alike by both backends and must be broken the same way (lowest index).
    /// </summary>
    private static bool HasNearTie(GradientBatch batch, AggregationDiagnostics diag)
    {
        var values = new List<double>();
        if (diag.HasScores)
        {
            foreach (double s in diag.Scores) if (double.IsFinite(s)) values.Add(s);
        }
        int n = batch.Count;
        for (int i = 0; i < n; i++)
        {
            for (int k = i + 1; k < n; k++)
            {
                double s = 0;
                var a = batch.Row(i);
                var b = batch.Row(k);
                for (int j = 0; j < a.Length; j++)
                {
                    float diff = a[j] - b[j];
                    s += (double)(diff * diff);
                }
                if (double.IsFinite(s)) values.Add(s);
            }
        }
        values.Sort();
        for (int t = 1; t < values.Count; t++)
        {
            double gap = values[t] - values[t - 1];
            double size = Math.Max(Math.Abs(values[t]), Math.Abs(values[t - 1]));
            if (gap > 0 && gap <= 1e-6 * size) return true;
        }
        return false;
    }

    private static string Flags(ReadOnlySpan<bool> selected)
    {
        var chars = new char[selected.Length];
        for (int i = 0; i < chars.Length; i++) chars[i] = selected[i] ? '1' : '0';
        return new string(chars);
    }
}
