namespace SimByz.Simulator.Reproductions;

/// <summary>A named series of points.</summary>
public sealed record ChartSeries(string Label, double[] X, double[] Y, SeriesStyle Style = SeriesStyle.Line);
