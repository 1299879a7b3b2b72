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
    private readonly bool _keepLatest;
    private float[]? _local;
    private float[]? _grad;
    private float[]? _momentum;
    private readonly RandomStream _computeRng;
    private readonly RandomStream _networkRng;
    private readonly IDelayModel _compute;
    private readonly IDelayModel _network;
    private readonly HorizontalFlip? _flip;

    /// <param name="id">The worker's id.</param>
    /// <param name="byzantine">Whether it is Byzantine.</param>
    /// <param name="setup">The run's setup.</param>
    /// <param name="data">The data it samples from (its poisoned copy for a Byzantine worker under a data attack).</param>
    /// <param name="prototype">The run's model prototype (the worker gets its own clone).</param>
    /// <param name="keepLatest">Keep a copy of the latest message (<see cref="Latest"/>): only the asynchronous
    /// omniscient attack reads it, so other runs keep no model-size vector per worker for it.</param>
    public Worker(int id, bool byzantine, RunSetup setup, Dataset data, IModel prototype, bool keepLatest = true)
        : this(id, byzantine, setup, data, prototype.Clone(), setup.Shards[id], id, keepLatest)
    {
    }

    /// <summary>A worker (or a federated client's activation) on <paramref name="model"/>, its own (not cloned), with
    /// <paramref name="shard"/> and streams of entity <paramref name="streamKey"/> (the worker id; for a client, its activation key).</summary>
    public Worker(int id, bool byzantine, RunSetup setup, Dataset data, IModel model, ReadOnlySpan<int> shard, long streamKey, bool keepLatest = true)
    {
        Id = id;
        Byzantine = byzantine;
        StreamKey = streamKey;
        _model = model;
        _data = data;
        _keepLatest = keepLatest;
        _sampler = shard.Length == 0 ? null : new MinibatchSampler(shard, setup.BatchSize, RandomStreams.Derive(setup.Seed, StreamPurpose.WorkerData, streamKey));
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

    /// <summary>The most recent gradient this worker computed (the omniscient adversary's view of it); null before
    /// the first, and always when the worker was built without <c>keepLatest</c>.</summary>
    public float[]? Latest { get; private set; }

    /// <summary>Asynchronous: this worker's message being computed on a helper thread (<see cref="GradientPipeline"/>), or
    /// null; its state is the helper's until the run's thread has waited for it.</summary>
    public GradientPipeline.ComputeJob? PendingJob { get; set; }

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
    /// <remarks>Model-size scratch is made on first use, only for what the optimizer needs: none for a plain
    /// gradient (computed straight into the payload), the worker momentum vector with momentum, the local
    /// iterate and gradient with local steps. Touches nothing but this worker's state and
    /// <paramref name="payload"/>: distinct workers may compute at the same time.</remarks>
    public void ComputeMessage(ReadOnlySpan<float> x, OptimizerOptions opt, double gamma, Span<float> payload)
    {
        if (!HasData)
        {
            // A Byzantine worker without data (task.dataHolders honest): the attack writes its row.
            payload.Clear();
            KeepLatest(payload);
            return;
        }
        if (opt.LocalSteps == 1)
        {
            if (opt.WorkerMomentum > 0)
            {
                var grad = _grad ??= new float[payload.Length];
                var momentum = _momentum ??= new float[payload.Length];
                Gradient(x, grad);
                float beta = (float)opt.WorkerMomentum;
                for (int j = 0; j < grad.Length; j++) momentum[j] = beta * momentum[j] + grad[j];
                momentum.CopyTo(payload);
            }
            else
            {
                Gradient(x, payload);
            }
        }
        else
        {
            var local = _local ??= new float[payload.Length];
            var grad = _grad ??= new float[payload.Length];
            x.CopyTo(local);
            float g = (float)gamma;
            for (int k = 0; k < opt.LocalSteps; k++)
            {
                Gradient(local, grad);
                for (int j = 0; j < local.Length; j++) local[j] -= g * grad[j];
            }
            float inv = (float)(1.0 / gamma);
            for (int j = 0; j < local.Length; j++) payload[j] = (x[j] - local[j]) * inv;
        }
        KeepLatest(payload);
    }

    private void KeepLatest(ReadOnlySpan<float> payload)
    {
        if (!_keepLatest) return;
        Latest ??= new float[payload.Length];
        payload.CopyTo(Latest);
    }

    /// <summary>The gradient of the next minibatch at <paramref name="x"/> into <paramref name="gradient"/>, through the augmentation when there is one.</summary>
    private void Gradient(ReadOnlySpan<float> x, Span<float> gradient)
    {
        var rows = _sampler!.Next();
        if (_flip is null)
        {
            _model.LossAndGradient(x, _data, rows, gradient);
            return;
        }
        var (batch, batchRows) = _flip.Apply(rows);
        _model.LossAndGradient(x, batch, batchRows, gradient);
    }
}
