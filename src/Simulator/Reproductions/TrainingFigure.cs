using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Reproductions;

/// <summary>Test accuracy and training loss, one line per defence: the papers' figure, drawn by the CLI's RunPlots.</summary>
/// <param name="File">PNG file name (an SVG of the same name is written beside it).</param>
/// <param name="Title">Figure title.</param>
/// <param name="Results">One run per defence.</param>
/// <param name="XAxis">What the x axis counts (simulated time for asynchronous settings, else server steps).</param>
/// <param name="Subtitle">A second, smaller title line: the resolved setting (<see cref="Scenarios.ScenarioText.Setting"/>).</param>
public sealed record TrainingFigure(string File, string Title, IReadOnlyList<RunResult> Results, FigureXAxis XAxis = FigureXAxis.Steps, string Subtitle = "")
    : Figure(File, Title);
