using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Attacks;

/// <summary>Everything an omniscient adversary sees when it crafts this round's messages.</summary>
/// <remarks>The simulator refills one private instance per crafting (<see cref="Refill"/>) so that a step
/// allocates nothing; an attack reads the context during its call and keeps no reference to it.</remarks>
public sealed class AttackContext
{
    private long _round;
    private ReadOnlyMemory<float> _model;
    private GradientBatch _honest = null!;
    private GradientBatch? _own;
    private int _byzantineCount;
    private double _learningRate;

    /// <summary>Round (sync) or server version (async).</summary>
    public long Round { get => _round; init => _round = value; }

    /// <summary>The server model the honest workers read.</summary>
    public ReadOnlyMemory<float> Model { get => _model; init => _model = value; }

    /// <summary>Parameter dimension d.</summary>
    public int Dimension { get; init; }

    /// <summary>Honest messages of this round (sync), or the most recent honest messages (async).</summary>
    public required GradientBatch Honest { get => _honest; init => _honest = value; }

    /// <summary>
    /// The honest-looking gradient each Byzantine worker computed on its own shard (one row per
    /// Byzantine worker, same order as the output), or null when the workers computed none.
    /// </summary>
    public GradientBatch? OwnGradients { get => _own; init => _own = value; }

    /// <summary>Number of rows to produce (the Byzantine workers sending now).</summary>
    public int ByzantineCount { get => _byzantineCount; init => _byzantineCount = value; }

    /// <summary>
    /// The scenario's total number of Byzantine workers q, when it differs from
    /// <see cref="ByzantineCount"/> (asynchronous protocols craft one or a few rows at a time);
    /// 0 means "same as <see cref="ByzantineCount"/>". ALIE's z = auto reads it as f.
    /// </summary>
    public int TotalByzantine { get; init; }

    /// <summary>Total number of workers n.</summary>
    public int WorkerCount { get; init; }

    /// <summary>The defence in use, for adaptive attacks (may be null when unknown).</summary>
    /// <remarks>
    /// Adaptive attacks (optimal IPM/ALIE) aggregate trial batches many times per round. They
    /// rebuild a private copy of this rule from its <see cref="IAggregator.Spec"/> through the
    /// aggregator registry, so their trials never advance the server rule's state or streams; only
    /// a rule the registry cannot rebuild (a test fake) is called directly, and then never reset.
    /// </remarks>
    public IAggregator? Aggregator { get; init; }

    /// <summary>The context the defence will aggregate with (model, γ; the oracle is not the attacker's to use).</summary>
    public AggregationContext AggregationContext { get; init; } = AggregationContext.None;

    /// <summary>Learning rate γ of this step.</summary>
    public double LearningRate { get => _learningRate; init => _learningRate = value; }

    /// <summary>True when the protocol is asynchronous.</summary>
    public bool Asynchronous { get; init; }

    /// <summary>The attack's own stream (purpose <see cref="StreamPurpose.Attack"/>).</summary>
    public required RandomStream Rng { get; init; }

    /// <summary>Sets what changes from one crafting to the next on an instance its owner reuses.</summary>
    internal AttackContext Refill(long round, ReadOnlyMemory<float> model, GradientBatch honest, GradientBatch? own, int byzantineCount, double learningRate)
    {
        _round = round;
        _model = model;
        _honest = honest;
        _own = own;
        _byzantineCount = byzantineCount;
        _learningRate = learningRate;
        return this;
    }
}
