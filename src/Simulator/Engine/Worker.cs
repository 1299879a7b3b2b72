using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Augmentation;
using SimByz.Simulator.Data.Sampling;
using SimByz.Simulator.Tasks;

namespace SimByz.Simulator.Engine;

/// <summary>One simulated worker: its data, model scratch, streams and delay models.</summary>
/// <remarks>Each worker owns its streams (data, compute latency, network delay), derived from
/// (seed, purpose, worker id), so adding a worker or changing the defence shifts no other draw.</remarks>
internal sealed class Worker
{
    private readonly IModel _model;
    private readonly Dataset _data;
    private readonly MinibatchSampler? _sampler;
    private readonly float[] _local;
    private readonly float[] _grad;
    private readonly float[] _momentum;
    private readonly RandomStream _computeRng;
    private readonly RandomStream _networkRng;
    private readonly IDelayModel _compute;
    private readonly IDelayModel _network;
    private readonly HorizontalFlip? _flip;

    public Worker(int id, bool byzantine, RunSetup setup, Dataset data, IModel prototype)
        : this(id, byzantine, setup, data, prototype.Clone(), setup.Shards[id], id)
    {
    }

    /// <summary>A worker (or a federated client's activation) on <paramref name="model"/>, its own (not cloned), with
    /// <paramref name="shard"/> and streams of entity <paramref name="streamKey"/> (the worker id; for a client, its activation key).</summary>
    public Worker(int id, bool byzantine, RunSetup setup, Dataset data, IModel model, ReadOnlySpan<int> shard, long streamKey)
    {
        Id = id;
        Byzantine = byzantine;
        StreamKey = streamKey;
        _model = model;
        _data = data;
        int d = _model.ParameterCount;
        _sampler = shard.Length == 0 ? null : new MinibatchSampler(shard, setup.BatchSize, RandomStreams.Derive(setup.Seed, StreamPurpose.WorkerData, streamKey));
        _local = new float[d];
        _grad = new float[d];
        _momentum = new float[d];
        _computeRng = RandomStreams.Derive(setup.Seed, StreamPurpose.WorkerCompute, streamKey);
        _networkRng = RandomStreams.Derive(setup.Seed, StreamPurpose.WorkerNetwork, streamKey);
        _compute = setup.ComputeDelay(id);
        _network = setup.NetworkDelay(id);
        if (setup.Augmentation.IsHorizontalFlip && _sampler is not null)
        {
            _flip = new HorizontalFlip(setup.Augmentation, data, RandomStreams.Derive(setup.Seed, StreamPurpose.WorkerAugmentation, streamKey));
        }
    }

    /// <summary>The entity id its streams derive from: the worker id, or a federated client's activation key.</summary>
    public long StreamKey { get; }

    /// <summary>The model instance it computes with (a federated run returns it to its pool when the client leaves).</summary>
    public IModel Model => _model;

    /// <summary>Asynchronous: the stream of its timing behaviour (stale replay, delay inflation, bursts), made on first use.</summary>
    public RandomStream? BehaviourRng { get; set; }

    public int Id { get; }

    public bool Byzantine { get; }

    public bool HasData => _sampler is not null;

    /// <summary>The most recent gradient this worker computed (the omniscient adversary's view of it).</summary>
    public float[]? Latest { get; private set; }

    /// <summary>The compute-latency model's spec.</summary>
    public string ComputeSpec => _compute.Spec;

    /// <summary>The network-delay model's spec.</summary>
    public string NetworkSpec => _network.Spec;

    public SimTime SampleCompute() => NonNegative(_compute.Sample(_computeRng), _compute);

    public SimTime SampleNetwork() => NonNegative(_network.Sample(_networkRng), _network);

    private static SimTime NonNegative(SimTime t, IDelayModel model)
        => t >= SimTime.Zero ? t : throw new InvalidOperationException($"delay model {model.Spec} drew a negative duration {t}");

    /// <summary>
    /// Computes this worker's message at <paramref name="x"/> into <paramref name="payload"/>:
    /// one minibatch gradient (with worker momentum if configured), or for K local steps the scaled
    /// model difference (x − x_K)/γ.
    /// </summary>
    public void ComputeMessage(ReadOnlySpan<float> x, OptimizerOptions opt, double gamma, Span<float> payload)
    {
        if (!HasData)
        {
            // A Byzantine worker without data (task.dataHolders honest): the attack writes its row.
            payload.Clear();
            Latest ??= new float[payload.Length];
            payload.CopyTo(Latest);
            return;
        }
        if (opt.LocalSteps == 1)
        {
            Gradient(x);
            if (opt.WorkerMomentum > 0)
            {
                float beta = (float)opt.WorkerMomentum;
                for (int j = 0; j < _grad.Length; j++) _momentum[j] = beta * _momentum[j] + _grad[j];
                _momentum.CopyTo(payload);
            }
            else
            {
                _grad.CopyTo(payload);
            }
        }
        else
        {
            x.CopyTo(_local);
            float g = (float)gamma;
            for (int k = 0; k < opt.LocalSteps; k++)
            {
                Gradient(_local);
                for (int j = 0; j < _local.Length; j++) _local[j] -= g * _grad[j];
            }
            float inv = (float)(1.0 / gamma);
            for (int j = 0; j < _local.Length; j++) payload[j] = (x[j] - _local[j]) * inv;
        }
        Latest ??= new float[payload.Length];
        payload.CopyTo(Latest);
    }

    /// <summary>The gradient of the next minibatch at <paramref name="x"/> into _grad, through the augmentation when there is one.</summary>
    private void Gradient(ReadOnlySpan<float> x)
    {
        var rows = _sampler!.Next();
        if (_flip is null)
        {
            _model.LossAndGradient(x, _data, rows, _grad);
            return;
        }
        var (batch, batchRows) = _flip.Apply(rows);
        _model.LossAndGradient(x, batch, batchRows, _grad);
    }
}
