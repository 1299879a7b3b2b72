using BenchmarkDotNet.Attributes;
using SimByz.Aggregation;
using SimByz.Gpu;
using SimByz.Gpu.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Bench.Gpu;

/// <summary>
/// Every rule on the torch backend (CPU device) against its managed twin at the reference size
/// n = 20, d = 10⁶ (f = b = 4), beside the floor: one read of the n×d input.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench -- --filter '*TorchAggregatorBenchmarks*'</c>.
/// The torch figure includes the host→device copy of the batch and the copy of the result back.</remarks>
[MemoryDiagnoser]
public class TorchAggregatorBenchmarks
{
    private const int N = 20;
    private const int D = 1_000_000;
    private GradientBatch _batch = null!;
    private float[] _output = [];
    private IAggregator _managed = null!;
    private IAggregator _torch = null!;
    private AggregationContext _context = null!;

    [Params("mean", "median", "trimmed-mean:b=4", "geometric-median", "krum:f=4", "multi-krum:f=4", "bulyan:f=4",
        "cc", "meamed:f=4", "mda:f=4", "monna:f=4", "sign-majority", "zeno:b=4", "bucketing:s=2+median", "nnm:f=4+mean",
        "clipping:tau=1+mean", "arc:f=4+mean")]
    public string Rule { get; set; } = "mean";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new RandomStream(7);
        var data = new float[N * D];
        for (int i = 0; i < data.Length; i++) data[i] = (float)rng.NextNormal();
        _batch = new GradientBatch(data, N, D);
        _output = new float[D];
        var build = new AggregatorBuildContext(Seed: 7, DeclaredByzantine: 4);
        _managed = AggregatorCatalog.BuiltIn.Create(Rule, build);
        _torch = SimByz.Gpu.Composition.TorchComponents.CreateRule(Rule, TorchDevice.Cpu, build);
        var model = new float[D];
        _context = new AggregationContext { Model = model, LearningRate = 0.1, Oracle = new CenteredQuadraticOracle(D) };
    }

    /// <summary>The floor: every value of the input read once.</summary>
    [Benchmark]
    public double Floor() => DetVec.Sum(_batch.Data);

    [Benchmark(Baseline = true)]
    public void Managed() => _managed.Aggregate(_batch, _output, _context);

    [Benchmark]
    public void Torch() => _torch.Aggregate(_batch, _output, _context);

    /// <summary>f(x) = ½‖x − 1‖²: a validation oracle that costs one pass over d (Zeno's scores).</summary>
    private sealed class CenteredQuadraticOracle(int dimension) : IValidationOracle
    {
        public int Dimension => dimension;

        public double Loss(ReadOnlySpan<float> parameters)
        {
            double s = 0;
            foreach (float x in parameters) s += (x - 1.0) * (x - 1.0);
            return 0.5 * s;
        }

        public double LossAndGradient(ReadOnlySpan<float> parameters, Span<float> gradient)
        {
            for (int j = 0; j < parameters.Length; j++) gradient[j] = parameters[j] - 1f;
            return Loss(parameters);
        }
    }
}
