namespace SimByz.Simulator.Reproductions;

/// <summary>Everything a reproduction produces: the Markdown page, the CSV files and the figures to draw.</summary>
/// <param name="Markdown">The NAME.md page (tables, the command, the settings, links to the figures).</param>
/// <param name="Files">Text files by name (CSV, scenario JSON), in a fixed order.</param>
/// <param name="Figures">Figures to draw, each named by its PNG file.</param>
public sealed record ReproductionOutput(string Markdown, IReadOnlyList<OutputFile> Files, IReadOnlyList<Figure> Figures);
