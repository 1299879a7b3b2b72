using SimByz.Scheduler;

namespace SimByz.Attacks.Async;

/// <summary>
/// Several asynchronous behaviours at once (<c>stale:versions=10+delay:extra=50ms+burst:k=3</c>).
/// Each name appears at most once, so every aspect comes from exactly one member: the model
/// version from the stale member, the extra delay from the delay member, the burst from the burst
/// member; members that do not define an aspect leave it neutral. Draws happen member by member in
/// chain order.
/// </summary>
internal sealed class AsyncBehaviourChain : IAsyncBehaviour
{
    private readonly IAsyncBehaviour[] _members;

    public AsyncBehaviourChain(IAsyncBehaviour[] members)
    {
        _members = members;
        Spec = string.Join("+", members.Select(m => m.Spec));
        foreach (var m in members)
        {
            HistoryDepth = Math.Max(HistoryDepth, m.HistoryDepth);
            if (m.BurstSize != 1)
            {
                BurstSize = m.BurstSize;
                BurstMode = m.BurstMode;
            }
        }
    }

    public string Spec { get; }

    public int HistoryDepth { get; }

    public int BurstSize { get; } = 1;

    public BurstMode BurstMode { get; } = BurstMode.Copies;

    public long ModelVersionToRead(long currentVersion, RandomStream rng)
    {
        long version = currentVersion;
        foreach (var m in _members) version = Math.Min(version, m.ModelVersionToRead(currentVersion, rng));
        return version;
    }

    public SimTime ExtraDelay(RandomStream rng)
    {
        SimTime total = SimTime.Zero;
        foreach (var m in _members) total += m.ExtraDelay(rng);
        return total;
    }
}
