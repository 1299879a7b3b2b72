namespace SimByz.Simulator.Reproductions;

/// <summary>A figure of one or more panels of plain series.</summary>
public sealed record ChartFigure(string File, string Title, IReadOnlyList<ChartPanel> Panels) : Figure(File, Title);
