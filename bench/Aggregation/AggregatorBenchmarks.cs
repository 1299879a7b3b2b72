using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Bench.Aggregation;

/// <summary>
/// Every aggregation rule (and each pre-aggregator in front of a rule) on n×d float32 input, beside the
/// floor measured in the same run: <c>floor</c> reads the n×d input once (a plain vectorized sum).
/// Targets (n=20, d=10⁶): Mean ≤ 1.5× floor; Median, Trimmed mean ≤ 10×; Krum, Multi-Krum,
/// Geometric median (3 iterations), Centered clipping ≤ 6×; no allocation per call.
/// Run: <c>dotnet run -c Release --project bench -- --filter '*AggregatorBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class AggregatorBenchmarks
{
    private GradientBatch _batch = null!;
    private float[] _output = [];
    private IAggregator? _rule;

    /// <summary>n×d of the input.</summary>
    [Params("20x1000000", "100x100000")]
    public string Shape { get; set; } = "20x1000000";

    /// <summary>The rule spec, or <c>floor</c>.</summary>
    [ParamsSource(nameof(Rules))]
    public string Rule { get; set; } = "floor";

    public static IEnumerable<string> Rules =>
    [
        "floor", "mean", "median", "trimmed-mean:b=4", "geometric-median", "geometric-median:variant=fedlib",
        "krum:f=4", "krum:f=4,variant=byzfl", "multi-krum:f=4", "multi-krum:f=4,variant=byzfl",
        "bulyan:f=4", "bulyan:f=4,variant=aggregathor", "cc:tau=100,iters=1", "meamed:f=4", "mda:f=2", "monna:f=4",
        "sign-majority", "bucketing:s=2+median", "nnm:f=4+mean", "clipping:tau=1+mean", "arc:f=4+mean",
    ];

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split('x');
        int n = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        int d = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var stream = RandomStreams.Derive(1, "bench.aggregation");
        var data = new float[n * d];
        for (int k = 0; k < data.Length; k++) data[k] = (float)stream.NextNormal(0.01, 1.0);
        _batch = new GradientBatch(data, n, d);
        _output = new float[d];
        _rule = Rule == "floor" ? null : AggregatorCatalog.BuiltIn.Create(Rule, new AggregatorBuildContext(Seed: 1, DeclaredByzantine: 4));
    }

    [Benchmark]
    public float Aggregate()
    {
        if (_rule is null) return TensorPrimitives.Sum(_batch.Data);
        _rule.Aggregate(_batch, _output, AggregationContext.None);
        return _output[0];
    }
}
