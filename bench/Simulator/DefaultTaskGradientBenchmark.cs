using BenchmarkDotNet.Attributes;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using SimByz.Simulator.Tasks.Models;

namespace SimByz.Bench.Simulator;

/// <summary>
/// One worker's gradient on the default task's shape, the work of one message in the scale benchmark
/// (<see cref="SimulatorScaleBenchmark"/> at 1 000 workers): softmax regression over 10 classes and 20 features
/// (d = 210), 20 rows of the Gaussian mixture.
/// </summary>
/// <remarks>
/// <para>Cases: <c>ClassLanes</c>, the shipped path (logits with the classes across 512-bit lanes where the hardware has
/// them); <c>PerClass</c> (baseline), the same model with that path off (ten dot products per row, Kernels.MatVec): the
/// same bits, so the ratio is what the class lanes buy; <c>ReadOnce</c>, the floor: one pass over the parameters and
/// the 20 rows.</para>
/// <para><c>Parameters</c>: <c>initial</c>, PyTorch's initialization (probabilities near 1/10); <c>confident</c>, the
/// same parameters ×60, so that some coefficients (p_c − [c = y])/|B| are float32 subnormals, as late in a long run
/// (the set-up prints how many: 19 of 200 on 2026-12-01): on cores that take microcode assists on subnormal operands (the Intel machine of docs/PERFORMANCE.md)
/// this case shows their cost.</para>
/// <para>Run: <c>dotnet run -c Release --project bench -- --filter '*DefaultTaskGradientBenchmark*'</c>.</para>
/// </remarks>
[MemoryDiagnoser]
public class DefaultTaskGradientBenchmark
{
    private SoftmaxRegressionModel _lanes = null!;
    private SoftmaxRegressionModel _perClass = null!;
    private Dataset _data = null!;
    private float[] _parameters = null!;
    private float[] _gradient = null!;
    private int[] _rows = null!;

    [Params("initial", "confident")]
    public string Parameters { get; set; } = "initial";

    [GlobalSetup]
    public void Setup()
    {
        _data = DataSourceCatalog.Load("gaussian-mixture:classes=10,features=20,train=1000,test=0,separation=3", 1).Train;
        _lanes = new SoftmaxRegressionModel(20, 10, ModelInitialization.Torch);
        _perClass = new SoftmaxRegressionModel(20, 10, ModelInitialization.Torch) { ClassLanesEnabled = false };
        _parameters = new float[_lanes.ParameterCount];
        _lanes.Initialize(_parameters, new RandomStream(2));
        if (Parameters == "confident")
        {
            for (int i = 0; i < _parameters.Length; i++) _parameters[i] *= 60;
        }
        _gradient = new float[_parameters.Length];
        _rows = Enumerable.Range(0, 20).Select(i => i * 37 % _data.Count).ToArray();
        // What the case is made of: the gradient coefficients (p_c − [c = y])/|B| that are float32 subnormals (the
        // softmax recomputed here in float64, for the count only).
        int subnormal = 0;
        foreach (int r in _rows)
        {
            var x = _data.Example(r).ToArray();
            var z = Enumerable.Range(0, 10).Select(c => DetVec.Dot(_parameters.AsSpan(c * 20, 20), x) + _parameters[200 + c]).ToArray();
            double m = z.Max(), sum = z.Sum(v => Math.Exp(v - m));
            for (int c = 0; c < 10; c++)
            {
                float coefficient = (float)((Math.Exp(z[c] - m) / sum - (c == _data.Labels![r] ? 1 : 0)) / _rows.Length);
                if (float.IsSubnormal(coefficient)) subnormal++;
            }
        }
        Console.WriteLine($"// {Parameters}: {subnormal} of {10 * _rows.Length} gradient coefficients are float32 subnormals");
    }

    [Benchmark]
    public double ClassLanes() => _lanes.LossAndGradient(_parameters, _data, _rows, _gradient);

    [Benchmark(Baseline = true)]
    public double PerClass() => _perClass.LossAndGradient(_parameters, _data, _rows, _gradient);

    /// <summary>Floor: sum the parameters and the 20 rows once.</summary>
    [Benchmark]
    public double ReadOnce()
    {
        double s = DetVec.Sum(_parameters);
        foreach (int r in _rows) s += DetVec.Sum(_data.Example(r));
        return s;
    }
}
