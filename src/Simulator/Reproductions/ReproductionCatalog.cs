namespace SimByz.Simulator.Reproductions;

/// <summary>Every reproduction by name, in a fixed order (the order of <c>simbyz list reproductions</c> and of <c>reproduce all</c>).</summary>
public static class ReproductionCatalog
{
    /// <summary>The name that runs every reproduction.</summary>
    public const string All = "all";

    private static readonly IReadOnlyList<IReproduction> Entries =
    [
        new ToyMedianReproduction(),
        new FallOfEmpiresReproduction(),
        TrainingReproductions.ZenoNoAttack(),
        TrainingReproductions.ZenoLabelFlip(),
        TrainingReproductions.ZenoSignFlip(),
        TrainingReproductions.ZenoPlusPlusAsync(),
        TrainingReproductions.BucketingNonIid(),
        AsyncByzantineReproduction.Create(),
        new ByzFlBenchmarkReproduction(),
    ];

    /// <summary>Every reproduction.</summary>
    public static IReadOnlyList<IReproduction> Reproductions => Entries;

    /// <summary>The names, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToList();

    /// <summary>The reproduction <paramref name="name"/>.</summary>
    /// <exception cref="SimByzException">Unknown name (the message lists the valid ones).</exception>
    public static IReproduction Find(string name)
        => Entries.FirstOrDefault(e => e.Name == name)
           ?? throw new SimByzException($"unknown reproduction '{name}' (valid: {string.Join(", ", Names)}, or {All})");

    /// <summary>The reproductions <paramref name="name"/> stands for: one, or every one for <c>all</c>.</summary>
    public static IReadOnlyList<IReproduction> Resolve(string name) => name == All ? Entries : [Find(name)];
}
