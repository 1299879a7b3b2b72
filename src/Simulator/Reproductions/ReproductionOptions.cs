namespace SimByz.Simulator.Reproductions;

/// <summary>How a reproduction is run: its size, the model, the seed and the parallelism.</summary>
/// <param name="Quick">True: the reduced version (fewer steps, a Fashion-MNIST subset, smaller test
/// set) that finishes in seconds; false: the full settings behind docs/RESULTS.md.</param>
/// <param name="Model">The model spec every training experiment uses (e.g. <c>mlp:hidden=64</c>, or the
/// torch <c>cnn</c>, which the caller must have registered first).</param>
/// <param name="Seed">Root seed of every scenario and of the non-training computations.</param>
/// <param name="Threads">Defences (and the fall-of-empires grid) run on this many threads; results do not depend on it.</param>
/// <param name="Command">The exact command line, recorded in the Markdown page.</param>
public sealed record ReproductionOptions(bool Quick, string Model = ReproductionOptions.DefaultModel, ulong Seed = 1, int Threads = 1,
    string Command = "")
{
    /// <summary>Where component names resolve (the CLI's composition: plug-ins, torch models); default the built-ins.</summary>
    public Composition.CompositionRoot Composition { get; init; } = Simulator.Composition.CompositionRoot.Default;

    /// <summary>Receives the progress of every training run (null: none is reported). Never changes a result.</summary>
    public Output.IExperimentProgress? Progress { get; init; }

    /// <summary>The managed MLP of the reproductions: one hidden layer of 64 units.</summary>
    public const string DefaultModel = "mlp:hidden=64";
}
