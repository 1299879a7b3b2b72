using SimByz.Scheduler;

namespace SimByz.Attacks;

/// <summary>
/// How a Byzantine worker bends the timing of the asynchronous protocol, on top of what its
/// gradient attack sends: which model version it computes on (stale replay), how late its
/// messages arrive (delay inflation), and how many messages it sends at once (bursts).
/// </summary>
/// <remarks>
/// <para>Protocol contract (asynchronous loop of one Byzantine worker):</para>
/// <list type="number">
/// <item>When the worker starts a computation while the server is at version v, it reads the
/// model of version <see cref="ModelVersionToRead"/>(v, rng) instead of v. The protocol keeps the
/// last <see cref="HistoryDepth"/> model versions for this; the result always lies in
/// [max(0, v − HistoryDepth), v]. The message then carries that version, so the server sees the
/// staleness it implies.</item>
/// <item>When the message is sent, the protocol adds <see cref="ExtraDelay"/>(rng) to the network
/// delay drawn by the worker's delay model.</item>
/// <item>The worker sends <see cref="BurstSize"/> messages at that instant: with
/// <see cref="BurstMode.Copies"/> the gradient attack crafts one row and it is sent k times; with
/// <see cref="BurstMode.Distinct"/> the protocol asks the gradient attack for k rows
/// (<see cref="AttackContext.ByzantineCount"/> = k) and sends each.</item>
/// </list>
/// <para>Every draw comes from the stream the protocol passes, which must be the attack's own
/// stream for that worker (purpose <see cref="StreamPurpose.Attack"/>), so behaviours never shift
/// another consumer's draws. Draws happen only in randomized modes, in the order the protocol
/// calls the methods. Behaviours are immutable and thread-safe; the stream is not.</para>
/// <para>Several behaviours compose as a chain <c>stale:versions=10+delay:extra=50ms</c>, each
/// name at most once; see <see cref="AttackCatalog.CreateAsyncBehaviour"/>.</para>
/// </remarks>
public interface IAsyncBehaviour
{
    /// <summary>Canonical spec, e.g. <c>stale:versions=10,mode=fixed</c>.</summary>
    string Spec { get; }

    /// <summary>How many past model versions the protocol must keep (0: only the current one).</summary>
    int HistoryDepth => 0;

    /// <summary>The model version the worker computes on when the server is at <paramref name="currentVersion"/>.</summary>
    long ModelVersionToRead(long currentVersion, RandomStream rng) => currentVersion;

    /// <summary>Extra delay added to the network delay of a message, ≥ 0.</summary>
    SimTime ExtraDelay(RandomStream rng) => SimTime.Zero;

    /// <summary>Messages sent at once, ≥ 1.</summary>
    int BurstSize => 1;

    /// <summary>Whether the messages of a burst are copies of one row or distinct crafted rows.</summary>
    BurstMode BurstMode => BurstMode.Copies;
}
