using SimByz.Simulator.Engine;

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

    /// <summary>Runs the experiment. <paramref name="progress"/> receives short status lines.</summary>
    ReproductionOutput Run(ReproductionOptions options, Action<string>? progress = null, CancellationToken cancellation = default);
}

/// <summary>Everything a reproduction produces: the Markdown page, the CSV files and the figures to draw.</summary>
/// <param name="Markdown">The NAME.md page (tables, the command, the settings, links to the figures).</param>
/// <param name="Files">Text files by name (CSV, scenario JSON), in a fixed order.</param>
/// <param name="Figures">Figures to draw, each named by its PNG file.</param>
public sealed record ReproductionOutput(string Markdown, IReadOnlyList<OutputFile> Files, IReadOnlyList<Figure> Figures);

/// <summary>A text file of a reproduction's output.</summary>
public sealed record OutputFile(string Name, string Text);

/// <summary>A figure to draw, named by its PNG file (the CLI writes an SVG of the same name beside it).</summary>
public abstract record Figure(string File, string Title);

/// <summary>Test accuracy and training loss, one line per defence: the papers' figure, drawn by the CLI's RunPlots.</summary>
/// <param name="File">PNG file name (an SVG of the same name is written beside it).</param>
/// <param name="Title">Figure title.</param>
/// <param name="Results">One run per defence.</param>
/// <param name="XAxis">What the x axis counts (simulated time for asynchronous settings, else server steps).</param>
/// <param name="Subtitle">A second, smaller title line: the resolved setting (<see cref="Scenarios.ScenarioText.Setting"/>).</param>
public sealed record TrainingFigure(string File, string Title, IReadOnlyList<RunResult> Results, FigureXAxis XAxis = FigureXAxis.Steps, string Subtitle = "")
    : Figure(File, Title);

/// <summary>A figure of one or more panels of plain series.</summary>
public sealed record ChartFigure(string File, string Title, IReadOnlyList<ChartPanel> Panels) : Figure(File, Title);

/// <summary>One panel: axes labels and the series drawn in it.</summary>
/// <param name="Title">Panel title.</param>
/// <param name="XLabel">x axis label.</param>
/// <param name="YLabel">y axis label.</param>
/// <param name="Series">The series, drawn in order.</param>
/// <param name="LogX">Log-scaled x axis, ticked at the series' x values.</param>
/// <param name="IntegerX">The x values are whole things (workers, ranks): ticks at integers only.</param>
public sealed record ChartPanel(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series, bool LogX = false, bool IntegerX = false);

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>Points joined by lines.</summary>
    Line,

    /// <summary>Points only.</summary>
    Markers,

    /// <summary>A horizontal line at <c>Y[0]</c> across the panel (X unused).</summary>
    HorizontalLine,
}

/// <summary>A named series of points.</summary>
public sealed record ChartSeries(string Label, double[] X, double[] Y, SeriesStyle Style = SeriesStyle.Line);
