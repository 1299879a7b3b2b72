using BenchmarkDotNet.Attributes;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;

namespace SimByz.Bench.Simulator;

/// <summary>
/// One worker's gradient: <see cref="IModel.LossAndGradient"/> of softmax regression (784×10) and the
/// MLP 784-64-10 on a minibatch of 32 or 128 Fashion-MNIST-shaped examples (synthetic data, so the
/// benchmark needs no download). Floor for comparison: one pass reading the parameters and the batch
/// features once (<see cref="ReadOnce"/>).
/// </summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    private IModel _model = null!;
    private Dataset _data = null!;
    private float[] _parameters = null!;
    private float[] _gradient = null!;
    private int[] _rows = null!;

    [Params("softmax", "mlp:hidden=64")]
    public string Model { get; set; } = "softmax";

    [Params(32, 128)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = DataSourceCatalog.Load("gaussian-mixture:classes=10,features=784,train=1024,test=0,separation=3", 1).Train;
        _model = ModelCatalog.Create(Model, 784, 10);
        _parameters = new float[_model.ParameterCount];
        _model.Initialize(_parameters, new RandomStream(2));
        _gradient = new float[_model.ParameterCount];
        var sampler = new SimByz.Simulator.Data.Sampling.MinibatchSampler(DatasetOps.AllRows(_data.Count), Batch, new RandomStream(3));
        _rows = sampler.Next().ToArray();
    }

    [Benchmark]
    public double LossAndGradient() => _model.LossAndGradient(_parameters, _data, _rows, _gradient);

    [Benchmark]
    public double Loss() => _model.Loss(_parameters, _data, _rows);

    /// <summary>Floor: sum the parameters and the batch's features once.</summary>
    [Benchmark(Baseline = true)]
    public double ReadOnce()
    {
        double s = DetVec.Sum(_parameters);
        foreach (int r in _rows) s += DetVec.Sum(_data.Example(r));
        return s;
    }
}
