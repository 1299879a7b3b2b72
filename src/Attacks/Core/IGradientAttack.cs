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

    /// <summary>
    /// True for the omission attack: the Byzantine workers never send. A protocol checks this flag
    /// before asking for rows and sends nothing (a synchronous round then completes only by its
    /// deadline or first-k rule); <see cref="Craft"/> of such an attack throws
    /// <see cref="InvalidOperationException"/>, because calling it is a protocol bug.
    /// </summary>
    bool IsOmission => false;

    /// <summary>
    /// True when the attack reads <see cref="AttackContext.OwnGradients"/> (sign flip of the own
    /// gradient, the Zeno "bitflip", the honest pass-through), so the protocol must let each
    /// Byzantine worker compute the gradient of its shard first. Attacks that only read the honest
    /// rows use own gradients at most as a fallback when no honest row exists.
    /// </summary>
    bool NeedsOwnGradients => false;

    /// <summary>True when the rows depend on draws from <see cref="AttackContext.Rng"/>.</summary>
    bool IsRandomized => false;

    /// <summary>
    /// Throws <see cref="SimByzException"/> naming the attack and its condition unless it can craft
    /// messages with <paramref name="n"/> workers of which <paramref name="q"/> are Byzantine (e.g.
    /// ALIE's z = auto needs q &lt; ⌊n/2+1⌋): the condition as data, checked before a run or sweep
    /// starts. The default accepts any 0 ≤ q &lt; n.
    /// </summary>
    void CheckTolerance(int n, int q) { }
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
    /// <summary>Canonical spec, e.g. <c>label-flip</c>.</summary>
    string Spec { get; }

    /// <summary>The label the worker trains on in place of <paramref name="label"/> (0 ≤ label &lt; classCount).</summary>
    int PoisonLabel(int label, int classCount);
}
