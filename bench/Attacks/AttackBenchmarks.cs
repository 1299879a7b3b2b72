using BenchmarkDotNet.Attributes;
using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;

namespace SimByz.Bench.Attacks;

/// <summary>
/// Crafting the Byzantine rows of one synchronous round: n = 20 workers, q = 4 Byzantine, d = 10^5
/// float32 coordinates, against coordinate-wise Median (the adaptive attacks run 16 trial
/// aggregations). The floor reads the 16 honest rows once (<see cref="DetVec.Sum"/>).
/// Run: <c>dotnet run -c Release --project bench -- --filter '*AttackCraft*'</c>.
/// </summary>
[MemoryDiagnoser]
public class AttackCraftBenchmarks
{
    private const int Honest = 16, Byzantine = 4, Dimension = 100_000;

    private AttackContext _context = null!;
    private IGradientAttack _attack = null!;
    private float[] _honest = [];
    private float[] _output = [];

    [Params("ipm", "alie", "sign-flip:of=mean", "gaussian", "large-norm", "zeno-aware", "optimal-ipm", "optimal-alie")]
    public string Spec { get; set; } = "ipm";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new RandomStream(2024);
        _honest = new float[Honest * Dimension];
        for (int i = 0; i < _honest.Length; i++) _honest[i] = (float)(0.01 + rng.NextNormal());
        _output = new float[Byzantine * Dimension];
        _attack = AttackCatalog.BuiltIn.CreateGradientAttack(Spec, new AttackBuildContext(1, Byzantine));
        _context = new AttackContext
        {
            Honest = new GradientBatch(_honest, Honest, Dimension),
            ByzantineCount = Byzantine,
            WorkerCount = Honest + Byzantine,
            Dimension = Dimension,
            Aggregator = AggregatorCatalog.BuiltIn.Create("median"),
            LearningRate = 0.1,
            Rng = RandomStreams.Derive(1, StreamPurpose.Attack),
        };
        _attack.Craft(_context, _output); // warm-up: buffers grow once
    }

    [Benchmark(Baseline = true)]
    public double FloorReadHonestOnce() => DetVec.Sum(_honest);

    [Benchmark]
    public float Craft()
    {
        _attack.Craft(_context, _output);
        return _output[0];
    }
}
