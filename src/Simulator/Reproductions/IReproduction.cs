namespace SimByz.Simulator.Reproductions;

/// <summary>
/// One reproduction of a published experiment: it runs on the real catalogued components
/// and returns its tables, CSV files and figure data; the CLI draws the figures and writes the files.
/// </summary>
/// <remarks>Implementations are deterministic: the same options give byte-identical CSV and Markdown,
/// whatever <see cref="ReproductionOptions.Threads"/>.</remarks>
public interface IReproduction
{
    /// <summary>Stable name, e.g. <c>zeno-sign-flip</c>.</summary>
    string Name { get; }

    /// <summary>One line: what it shows.</summary>
    string Summary { get; }

    /// <summary>The paper and setting it follows.</summary>
    string Follows { get; }

    /// <summary>Whether it trains models (and so uses <see cref="ReproductionOptions.Model"/>).</summary>
    bool Trains { get; }

    /// <summary>The scenarios it trains, for <paramref name="options"/> (none for reproductions that do not train): what
    /// <c>simbyz reproduce</c> estimates the memory of before it starts.</summary>
    IReadOnlyList<Scenarios.Scenario> Scenarios(ReproductionOptions options) => [];

    /// <summary>What it holds in memory, estimated before anything is loaded, when it is not the training of <see cref="Scenarios"/>
    /// (null: <see cref="Composition.MemoryEstimate.OfReproduction"/> of those).</summary>
    Composition.MemoryEstimate? Memory(ReproductionOptions options) => null;

    /// <summary>Runs the experiment. <paramref name="progress"/> receives short status lines.</summary>
    ReproductionOutput Run(ReproductionOptions options, Action<string>? progress = null, CancellationToken cancellation = default);
}
