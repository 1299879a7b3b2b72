using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Attacks;

/// <summary>
/// A gradient-level Byzantine behaviour: given what an omniscient adversary knows this round, the
/// vectors the Byzantine workers send.
/// </summary>
/// <remarks>
/// <para>The attack writes <see cref="AttackContext.ByzantineCount"/> rows of length d, row-major,
/// into the output. Colluding attacks compute one plan for all rows; attacks that act alone fill
/// each row from that worker's own information (<see cref="AttackContext.OwnGradients"/>).</para>
/// <para>It draws randomness only from <see cref="AttackContext.Rng"/>, the attack's own stream.
/// An instance may keep state across rounds (stale replay) and belongs to one simulation.</para>
/// </remarks>
public interface IGradientAttack
{
    /// <summary>Canonical spec, e.g. <c>ipm:eps=0.1</c>.</summary>
    string Spec { get; }

    /// <summary>Writes the Byzantine rows into <paramref name="output"/> (ByzantineCount × d).</summary>
    void Craft(AttackContext context, Span<float> output);
}

/// <summary>Everything an omniscient adversary sees when it crafts this round's messages.</summary>
public sealed class AttackContext
{
    /// <summary>Round (sync) or server version (async).</summary>
    public long Round { get; init; }

    /// <summary>The server model the honest workers read.</summary>
    public ReadOnlyMemory<float> Model { get; init; }

    /// <summary>Parameter dimension d.</summary>
    public int Dimension { get; init; }

    /// <summary>Honest messages of this round (sync), or the most recent honest messages (async).</summary>
    public required GradientBatch Honest { get; init; }

    /// <summary>
    /// The honest-looking gradient each Byzantine worker computed on its own shard (one row per
    /// Byzantine worker, same order as the output), or null when the workers computed none.
    /// </summary>
    public GradientBatch? OwnGradients { get; init; }

    /// <summary>Number of rows to produce (the Byzantine workers sending now).</summary>
    public int ByzantineCount { get; init; }

    /// <summary>Total number of workers n.</summary>
    public int WorkerCount { get; init; }

    /// <summary>The defence in use, for adaptive attacks (may be null when unknown).</summary>
    public IAggregator? Aggregator { get; init; }

    /// <summary>The context the defence will aggregate with (model, γ; the oracle is not the attacker's to use).</summary>
    public AggregationContext AggregationContext { get; init; } = AggregationContext.None;

    /// <summary>Learning rate γ of this step.</summary>
    public double LearningRate { get; init; }

    /// <summary>True when the protocol is asynchronous.</summary>
    public bool Asynchronous { get; init; }

    /// <summary>The attack's own stream (purpose <see cref="StreamPurpose.Attack"/>).</summary>
    public required RandomStream Rng { get; init; }
}

/// <summary>
/// A data-level Byzantine behaviour: poisons what a Byzantine worker trains on, after which the
/// worker computes an honest-looking gradient of the poisoned data.
/// </summary>
public interface IDataAttack
{
    string Spec { get; }

    /// <summary>The label the worker trains on in place of <paramref name="label"/> (0 ≤ label &lt; classCount).</summary>
    int PoisonLabel(int label, int classCount);
}
