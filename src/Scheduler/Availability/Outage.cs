namespace SimByz.Scheduler;

/// <summary>One outage: the worker is down on [<see cref="CrashAt"/>, <see cref="RecoverAt"/>).</summary>
/// <param name="CrashAt">When it crashes (≥ 0).</param>
/// <param name="RecoverAt">When it is up again (&gt; CrashAt); <see cref="SimTime.MaxValue"/> for a permanent crash.</param>
public readonly record struct Outage(SimTime CrashAt, SimTime RecoverAt)
{
    /// <summary>True for a crash without recovery.</summary>
    public bool IsPermanent => RecoverAt == SimTime.MaxValue;

    /// <summary>Text form <c>CRASH..RECOVER</c>, or <c>CRASH..</c> for a permanent crash.</summary>
    public override string ToString() => IsPermanent ? $"{CrashAt}.." : $"{CrashAt}..{RecoverAt}";
}
