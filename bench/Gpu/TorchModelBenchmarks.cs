using BenchmarkDotNet.Attributes;
using SimByz.Gpu;
using SimByz.Gpu.Models;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;

namespace SimByz.Bench.Gpu;

/// <summary>
/// One worker step of the Fashion-MNIST CNN on the torch backend (CPU device): LossAndGradient at
/// batch 32 (flat vector in, gradient out), and the inference-mode loss Zeno's oracle evaluates.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench -- --filter '*TorchModelBenchmarks*'</c>.
/// Synthetic 1×28×28 data (the step's cost does not depend on the pixel values).</remarks>
[MemoryDiagnoser]
public class TorchModelBenchmarks
{
    private IModel _model = null!;
    private Dataset _data = null!;
    private float[] _parameters = [];
    private float[] _gradient = [];
    private int[] _rows = [];

    [Params("cnn", "torch-mlp:hidden=64")]
    public string Model { get; set; } = "cnn";

    [Params(32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new RandomStream(3);
        const int count = 256, features = 784;
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = rng.NextInt(10);
        _data = new Dataset(x, count, features, labels, 10);
        _model = TorchModels.Create(Model, features, 10, TorchDevice.Cpu);
        _parameters = new float[_model.ParameterCount];
        _gradient = new float[_model.ParameterCount];
        _model.Initialize(_parameters, RandomStreams.Derive(3, StreamPurpose.ModelInit));
        _rows = Enumerable.Range(0, Batch).ToArray();
    }

    [Benchmark]
    public double LossAndGradient() => _model.LossAndGradient(_parameters, _data, _rows, _gradient);

    [Benchmark]
    public double InferenceLoss() => _model.Loss(_parameters, _data, _rows);
}
