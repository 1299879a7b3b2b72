namespace SimByz.Simulator.Sweeps;

/// <summary>What a sweep field sets in the base scenario: one of the five shorthand axes, or any scenario path.</summary>
public enum SweepFieldKind
{
    /// <summary><c>byzantine.count</c> (the <c>q</c> axis).</summary>
    Q,

    /// <summary><c>workers.compute</c> (the <c>delays</c> axis).</summary>
    Delay,

    /// <summary><c>byzantine.attack</c> or <c>byzantine.dataAttack</c> (the <c>attacks</c> axis).</summary>
    Attack,

    /// <summary>The run's one defence (the <c>defences</c> axis).</summary>
    Defence,

    /// <summary><c>seed</c> (the <c>seeds</c> axis).</summary>
    Seed,

    /// <summary>Any other scenario field, by its <c>--set</c> path.</summary>
    Path,
}
