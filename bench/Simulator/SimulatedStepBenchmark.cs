using BenchmarkDotNet.Attributes;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;

namespace SimByz.Bench.Simulator;

/// <summary>
/// A whole simulated synchronous step: 20 workers (8 Byzantine, sign flip) each compute a minibatch
/// gradient (batch 32) of softmax regression (784×10) or the MLP 784-64-10 on Fashion-MNIST-shaped
/// synthetic data, the messages go through the event queue, the defence aggregates, the server
/// updates. Reported per step (<c>OperationsPerInvoke</c>); steps/s = 1 / mean. Evaluation is off.
/// Floor: the 20 worker gradients alone (<see cref="GradientsOnly"/>), the part no protocol can avoid.
/// </summary>
[MemoryDiagnoser]
public class SimulatedStepBenchmark
{
    private const int Steps = 20;
    private RunSetup _setup = null!;
    private TrainingRun _run = null!;
    private SimByz.Simulator.Tasks.IModel[] _workers = null!;
    private float[] _x = null!, _g = null!;
    private int[][] _batches = null!;

    [Params("softmax", "mlp:hidden=64")]
    public string Model { get; set; } = "softmax";

    [Params("mean", "krum:f=8")]
    public string Defence { get; set; } = "mean";

    [GlobalSetup]
    public void Setup()
    {
        var scenario = ScenarioLoader.Load("default", [
            "task.data=gaussian-mixture:classes=10,features=784,train=12000,test=500,separation=3",
            $"task.model={Model}", $"defences=[\"{Defence}\"]", $"budget.steps={Steps}", "evaluation.every=0",
            "evaluation.trainRows=0",
        ]);
        _setup = ScenarioBuilder.Build(scenario);
        _workers = Enumerable.Range(0, 20).Select(_ => _setup.Model.Clone()).ToArray();
        _x = new float[_setup.Model.ParameterCount];
        _g = new float[_setup.Model.ParameterCount];
        _batches = _setup.Shards.Select(s => s.Take(32).ToArray()).ToArray();
    }

    [IterationSetup(Target = nameof(Step))]
    public void NewRun() => _run = new TrainingRun(_setup, Defence);

    [Benchmark(OperationsPerInvoke = Steps)]
    public long Step() => _run.Run().Steps;

    [Benchmark(Baseline = true)]
    public double GradientsOnly()
    {
        double sum = 0;
        for (int i = 0; i < _workers.Length; i++) sum += _workers[i].LossAndGradient(_x, _setup.Train, _batches[i], _g);
        return sum;
    }
}
