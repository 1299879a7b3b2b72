namespace SimByz.Simulator.Sweeps;

/// <summary>
/// One field a sweep varies, and its column in results.csv: <c>q</c>, <c>delay</c>, <c>attack</c>,
/// <c>defence</c>, <c>seed</c>, or a scenario path such as <c>task.partition</c> (the column is named by the path).
/// </summary>
/// <param name="Name">The column name: a shorthand column, or the <c>--set</c> path of the field.</param>
/// <param name="Kind">What it sets.</param>
public sealed record SweepField(string Name, SweepFieldKind Kind)
{
    /// <summary>The five shorthand fields, in their results.csv column order.</summary>
    public static IReadOnlyList<SweepField> Shorthands { get; } =
    [
        new("q", SweepFieldKind.Q),
        new("delay", SweepFieldKind.Delay),
        new("attack", SweepFieldKind.Attack),
        new("defence", SweepFieldKind.Defence),
        new("seed", SweepFieldKind.Seed),
    ];

    /// <summary>The scenario path(s) this field writes, for mapping a scenario error back to the grid.</summary>
    public IReadOnlyList<string> ScenarioPaths => Kind switch
    {
        SweepFieldKind.Q => ["$.byzantine.count"],
        SweepFieldKind.Delay => ["$.workers.compute"],
        SweepFieldKind.Attack => ["$.byzantine.attack", "$.byzantine.dataAttack"],
        SweepFieldKind.Defence => ["$.defences"],
        SweepFieldKind.Seed => ["$.seed"],
        _ => ["$." + Name],
    };
}
