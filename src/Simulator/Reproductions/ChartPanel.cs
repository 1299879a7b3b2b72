namespace SimByz.Simulator.Reproductions;

/// <summary>One panel: axes labels and the series drawn in it.</summary>
/// <param name="Title">Panel title.</param>
/// <param name="XLabel">x axis label.</param>
/// <param name="YLabel">y axis label.</param>
/// <param name="Series">The series, drawn in order.</param>
/// <param name="LogX">Log-scaled x axis, ticked at the series' x values.</param>
/// <param name="IntegerX">The x values are whole things (workers, ranks): ticks at integers only.</param>
public sealed record ChartPanel(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series, bool LogX = false, bool IntegerX = false);
