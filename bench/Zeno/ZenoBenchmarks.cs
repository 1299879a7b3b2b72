using BenchmarkDotNet.Attributes;
using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Bench.Zeno;

/// <summary>
/// Zeno (one aggregation of n rows) and Zeno++ (one decision on one message) at the reference
/// sizes, beside the floor measured in the same run: reading the n×d input once.
/// </summary>
/// <remarks>
/// The validation oracle is an isotropic quadratic ½‖x − c‖², whose loss costs one pass over d
/// values: Zeno evaluates it n + 1 times per call, so its cost is about 2× the floor plus n passes
/// over d for the trial points; a real model's forward pass dominates in a simulation.
/// Run: <c>dotnet run -c Release --project bench -- --filter '*Zeno*'</c> (on a loaded machine, where
/// BenchmarkDotNet's 2-minute build timeout can expire, add <c>--inProcess</c>).
/// </remarks>
[MemoryDiagnoser]
public class ZenoBenchmarks
{
    private GradientBatch _batch = null!;
    private float[] _output = [];
    private IAggregator _zeno = null!;
    private IAsyncAggregator _zenoPlusPlus = null!;
    private AggregationContext _context = null!;
    private readonly AggregationDiagnostics _diagnostics = new();
    private long _version;

    /// <summary>The reference sizes: n=20, d=10⁶ and n=100, d=10⁵.</summary>
    public static IEnumerable<(int N, int D)> Sizes => [(20, 1_000_000), (100, 100_000)];

    [ParamsSource(nameof(Sizes))]
    public (int N, int D) Size { get; set; }

    private int N => Size.N;

    private int D => Size.D;

    [GlobalSetup]
    public void Setup()
    {
        var random = new RandomStream(7);
        var data = new float[N * D];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() - 0.5);
        _batch = new GradientBatch(data, N, D);
        _output = new float[D];
        var model = new float[D];
        var center = new float[D];
        for (int j = 0; j < D; j++)
        {
            model[j] = (float)random.NextDouble();
            center[j] = (float)random.NextDouble();
        }
        _context = new AggregationContext { Model = model, Oracle = new IsotropicQuadratic(center), LearningRate = 0.1 };
        _zeno = AggregatorCatalog.BuiltIn.Create($"zeno:b={N / 5}");
        _zenoPlusPlus = AggregatorCatalog.BuiltIn.CreateAsync("zeno++:k=10");
    }

    [Benchmark(Baseline = true, Description = "floor: read n×d once")]
    public double ReadInputOnce() => DetVec.Sum(_batch.Data);

    [Benchmark(Description = "zeno:b=n/5")]
    public void Zeno() => _zeno.Aggregate(_batch, _output, _context, _diagnostics);

    [Benchmark(Description = "zeno++ decide (1 message, no refresh)")]
    public AsyncDecision ZenoPlusPlusDecide()
        => _zenoPlusPlus.Decide(new AsyncMessage(0, 0, 0, _batch.RowMemory(0)), _context, _output);

    /// <summary>A new server version each call, so g_r is recomputed every 10th call (the 152 B are this method's context object).</summary>
    [Benchmark(Description = "zeno++ decide (1 message, refresh every 10)")]
    public AsyncDecision ZenoPlusPlusDecideWithRefresh()
    {
        var context = new AggregationContext { Model = _context.Model, Oracle = _context.Oracle, LearningRate = 0.1, Round = _version++ };
        return _zenoPlusPlus.Decide(new AsyncMessage(0, 0, 0, _batch.RowMemory(0)), context, _output);
    }

    /// <summary>½‖x − c‖², loss and gradient in one pass each.</summary>
    private sealed class IsotropicQuadratic(float[] center) : IValidationOracle
    {
        public int Dimension => center.Length;

        public double Loss(ReadOnlySpan<float> parameters) => 0.5 * DetVec.SquaredDistance(parameters, center);

        public double LossAndGradient(ReadOnlySpan<float> parameters, Span<float> gradient)
        {
            System.Numerics.Tensors.TensorPrimitives.Subtract(parameters, center, gradient);
            return Loss(parameters);
        }
    }
}
