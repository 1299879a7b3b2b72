using BenchmarkDotNet.Attributes;
using SimByz.Aggregation;
using SimByz.Gpu;
using SimByz.Gpu.Composition;
using SimByz.Gpu.Models;
using SimByz.Simulator.Data;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Tasks;

namespace SimByz.Bench.Simulator;

/// <summary>
/// A whole simulated synchronous step on the reference configuration, ByzFL's Fashion-MNIST benchmark
/// (<c>ByzFlBenchmarkReproduction</c>): 20 workers of which 8 Byzantine (data to honest workers only, so
/// 12 gradients per step), MLP 784-100-10 (<c>init=torch</c>), batch 25, random horizontal flips, lr 0.1,
/// Median under sign flip (<c>sign-flip:s=1,of=mean</c>), IID; real Fashion-MNIST from
/// /usr/share/datasets/fashion-mnist. Reported per step (<c>OperationsPerInvoke</c>).
/// </summary>
/// <remarks>
/// <para>Cases (one class, one run):</para>
/// <list type="bullet">
/// <item><c>Step</c>: one step of a real run (messages through the event queue, the attack, Median, the update),
/// runs of <see cref="Steps"/> steps (100: a run's start-up, its pools growing and two evaluations, is spread over them) with start and end evaluation on 100 test and 100 validation images.</item>
/// <item><c>SteadyStep</c>: one step of a run of <see cref="SteadySteps"/> steps (1 000), otherwise as <c>Step</c>: the run's
/// start-up (about ten steps' worth, <c>RunOfOneStep</c>) is then about 1 % of each step instead of about 10 %, so this is the
/// step in steady state.</item>
/// <item><c>RunOfOneStep</c>: a run of one step (new run each invocation, constructed untimed, after earlier runs in the
/// process, as in a sweep): the start-up that <c>Step</c> spreads over its 100 steps.</item>
/// <item><c>Floor</c> (baseline): the 12 honest workers' forward and backward passes alone, on fixed batches already in float32,
/// through the same parallel worker runner the step uses (both cores): the part no protocol can avoid.</item>
/// <item><c>Phase…</c>: the step's other phases in isolation, for the step profile (docs/PERFORMANCE.md):
/// <c>PhaseWorkers</c>, the 12 honest workers' messages as the step computes them (the run's <c>Worker</c> objects:
/// each draws its minibatch, converts and mirrors its images, then the same forward and backward pass, through the same
/// worker runner), so that PhaseWorkers − Floor is the data path; the sign-flip attack on the 12 honest rows; Median on 20 rows.</item>
/// <item><c>TorchPeer</c>: the peer, an equivalent TorchSharp loop on the CPU: 20 <c>torch-mlp:hidden=100</c>
/// gradients of batch 25 (the GPU project's model, one after the other: torch uses all cores inside each)
/// then the torch twin of Median on the 20 rows.</item>
/// </list>
/// <para>Run: <c>dotnet run -c Release --project bench -- --filter '*SimulatedStepBenchmark*'</c>.
/// Target (issue 16): Step ≤ 1.5× Floor, 0 B allocated per step.</para>
/// </remarks>
[MemoryDiagnoser]
public class SimulatedStepBenchmark
{
    private const int Steps = 100;
    private const int SteadySteps = 1000;
    private const string Dataset = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    private RunSetup _setup = null!;
    private RunSetup _oneStepSetup = null!;
    private RunSetup _steadySetup = null!;
    private TrainingRun _steadyRun = null!;
    private TrainingRun _run = null!;
    private TrainingRun _oneStepRun = null!;
    private IModel[] _workers = null!;
    private float[][] _gradients = null!;
    private float[] _x = null!;
    private int[][] _batches = null!;
    private SimByz.Simulator.Data.Dataset _floorData = null!;
    private int[][] _floorBatches = null!;
    private GradientJob _floor = null!;
    private IAggregator _median = null!;
    private IAggregator _torchMedian = null!;
    private GradientBatch _all = null!;
    private float[] _aggregate = null!;
    private SimByz.Attacks.IGradientAttack _attack = null!;
    private SimByz.Attacks.AttackContext _attackContext = null!;
    private float[] _crafted = null!;
    private IModel[] _torchWorkers = null!;
    private Worker[] _honestWorkers = null!;
    private WorkersJob _workersJob = null!;
    private float[] _torchGradient = null!;

    /// <summary>The reference scenario's overrides on the built-in default (see ByzFlBenchmarkReproduction.ScenarioFor), except
    /// that 100 test and 100 validation images are held out rather than 10 000 and 20 %: the start and end evaluations
    /// would otherwise dominate a short run (the per-step cost does not depend on them).</summary>
    public static readonly string[] Reference =
    [
        "task.data=fashion-mnist:test-limit=100", "task.model=mlp:hidden=100,init=torch", "task.partition=iid", "task.validation=100",
        "task.dataHolders=honest", "task.augmentation=hflip", "workers.batchSize=25", "workers.compute=constant:t=10ms",
        "workers.network=constant:t=1ms", "byzantine.attack=sign-flip:s=1,of=mean", "defences=[\"median\"]",
        "optimizer.learningRate=0.1",
    ];

    [GlobalSetup]
    public void Setup()
    {
        if (!File.Exists(Dataset)) throw new InvalidOperationException("needs Fashion-MNIST: apt-get install dataset-fashion-mnist");
        var scenario = ScenarioLoader.Load("default", [.. Reference, $"budget.steps={Steps}", "evaluation.every=0", "evaluation.trainRows=0"]);
        _setup = ScenarioBuilder.Build(scenario);
        _steadySetup = ScenarioBuilder.Build(ScenarioLoader.Load("default", [.. Reference, $"budget.steps={SteadySteps}", "evaluation.every=0", "evaluation.trainRows=0"]));
        _oneStepSetup = ScenarioBuilder.Build(ScenarioLoader.Load("default", [.. Reference, "budget.steps=1", "evaluation.every=0", "evaluation.trainRows=0"]));
        int d = _setup.Model.ParameterCount;
        int[] honest = Enumerable.Range(0, _setup.WorkerCount).Where(i => !_setup.Byzantine[i] && _setup.Shards[i].Length > 0).ToArray();
        _workers = honest.Select(_ => _setup.Model.Clone()).ToArray();
        _gradients = honest.Select(_ => new float[d]).ToArray();
        _batches = honest.Select(i => _setup.Shards[i].Take(25).ToArray()).ToArray();
        // The floor's inputs as float32 rows (the training set itself is kept as bytes, converted as rows are read):
        // the batches' rows copied once into a float dataset, so the floor is the passes alone.
        _floorData = _setup.Train.Select(_batches.SelectMany(b => b).ToArray());
        _floorBatches = _batches.Select((b, k) => Enumerable.Range(k * b.Length, b.Length).ToArray()).ToArray();
        _x = new float[d];
        _setup.Model.Initialize(_x, SimByz.Scheduler.RandomStreams.Derive(1, SimByz.Scheduler.StreamPurpose.ModelInit, 0));
        _floor = new GradientJob(this);
        // The step's own worker objects for the honest ids (their samplers, flips and model clones, as a run makes them).
        _honestWorkers = honest.Select(i => new Worker(i, byzantine: false, _setup, _setup.Train, _setup.Model, keepLatest: false)).ToArray();
        _workersJob = new WorkersJob(this);

        var rows = new float[20 * d];
        for (int i = 0; i < honest.Length; i++) _workers[i].LossAndGradient(_x, _setup.Train, _batches[i], _gradients[i]);
        for (int r = 0; r < 20; r++) _gradients[r % honest.Length].CopyTo(rows, r * d);
        _all = new GradientBatch(rows, 20, d);
        _aggregate = new float[d];
        _median = AggregatorCatalog.BuiltIn.Create("median");
        _torchMedian = TorchComponents.CreateRule("median", TorchDevice.Cpu);
        _attack = _setup.GradientAttack!();
        _crafted = new float[8 * d];
        _attackContext = new SimByz.Attacks.AttackContext
        {
            Model = _x, Dimension = d, Honest = GradientBatch.FromRows(_gradients), ByzantineCount = 8, TotalByzantine = 8, WorkerCount = 20,
            LearningRate = 0.1, Rng = SimByz.Scheduler.RandomStreams.Derive(1, SimByz.Scheduler.StreamPurpose.Attack, 0),
        };
        _torchGradient = new float[d];
        _torchWorkers = Enumerable.Range(0, 20).Select(_ => TorchModels.Create("torch-mlp:hidden=100", 784, 10, TorchDevice.Cpu)).ToArray();
    }

    [IterationSetup(Target = nameof(Step))]
    public void NewRun() => _run = new TrainingRun(_setup, "median");

    [Benchmark(OperationsPerInvoke = Steps)]
    public long Step() => _run.Run().Steps;

    [IterationSetup(Target = nameof(SteadyStep))]
    public void NewSteadyRun() => _steadyRun = new TrainingRun(_steadySetup, "median");

    /// <summary>A step of a run of 1 000 steps: <see cref="Step"/> with the run's start-up spread ten times thinner.</summary>
    [Benchmark(OperationsPerInvoke = SteadySteps)]
    public long SteadyStep() => _steadyRun.Run().Steps;

    [IterationSetup(Target = nameof(RunOfOneStep))]
    public void NewOneStepRun() => _oneStepRun = new TrainingRun(_oneStepSetup, "median");

    /// <summary>A run of one step, after other runs in the process (as a sweep's runs follow each other): its start
    /// evaluation, one round (the run's buffers first written) and its end evaluation; its construction (the iteration
    /// setup) and its scenario's build (the global setup) are not timed. What running a run costs beyond its steps.</summary>
    [Benchmark]
    public long RunOfOneStep() => _oneStepRun.Run().Steps;

    [Benchmark(Baseline = true)]
    public int Floor()
    {
        SimByz.Aggregation.Rules.ChunkRunner.Run(_floor, _workers.Length);
        return _workers.Length;
    }

    [Benchmark]
    public int PhaseWorkers()
    {
        SimByz.Aggregation.Rules.ChunkRunner.Run(_workersJob, _honestWorkers.Length);
        return _honestWorkers.Length;
    }

    [Benchmark]
    public float PhaseAttack()
    {
        _attack.Craft(_attackContext, _crafted);
        return _crafted[0];
    }

    [Benchmark]
    public float PhaseMedian()
    {
        _median.Aggregate(_all, _aggregate, AggregationContext.None, null);
        return _aggregate[0];
    }

    [Benchmark]
    public float TorchPeer()
    {
        for (int i = 0; i < _torchWorkers.Length; i++)
        {
            int k = i % _workers.Length;
            _torchWorkers[i].LossAndGradient(_x, _setup.Train, _batches[k], _torchGradient);
        }
        _torchMedian.Aggregate(_all, _aggregate, AggregationContext.None, null);
        return _aggregate[0];
    }

    private sealed class WorkersJob(SimulatedStepBenchmark b) : SimByz.Aggregation.Rules.IChunkJob
    {
        public void RunChunk(int chunk) => b._honestWorkers[chunk].ComputeMessage(b._x, b._setup.Optimizer, b._setup.Optimizer.LearningRate, b._gradients[chunk]);
    }

    private sealed class GradientJob(SimulatedStepBenchmark b) : SimByz.Aggregation.Rules.IChunkJob
    {
        public void RunChunk(int chunk) => b._workers[chunk].LossAndGradient(b._x, b._floorData, b._floorBatches[chunk], b._gradients[chunk]);
    }
}
