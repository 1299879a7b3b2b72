namespace SimByz.Attacks;

/// <summary>
/// A gradient-level Byzantine behaviour: given what an omniscient adversary knows this round, the
/// vectors the Byzantine workers send.
/// </summary>
/// <remarks>
/// <para>The attack writes <see cref="AttackContext.ByzantineCount"/> rows of length d, row-major,
/// into the output. Colluding attacks compute one plan for all rows; attacks that act alone fill
/// each row from that worker's own information (<see cref="AttackContext.OwnGradients"/>).</para>
/// <para>The output may share memory with <see cref="AttackContext.OwnGradients"/> when the attack does not
/// need them (<see cref="NeedsOwnGradients"/> false) and <see cref="AttackContext.Honest"/> has rows: the
/// synchronous simulator then writes the Byzantine rows in place, over the vectors those workers computed (which
/// such an attack reads, at most, only as a fallback when no honest row exists). The output never shares memory
/// with the honest rows or the model.</para>
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

    /// <summary>
    /// False when <see cref="Craft"/> never reads <see cref="AttackContext.Honest"/> (sign flip of the own
    /// gradient): the simulator then gathers no honest rows for it (in asynchronous runs it keeps no copy of each
    /// honest worker's latest message), and <see cref="AttackContext.Honest"/> holds the own gradients. Default true.
    /// </summary>
    bool ReadsHonestRows => true;

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
