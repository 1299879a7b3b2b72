using ScottPlot;
using SimByz.Simulator.Reproductions;

namespace SimByz.Cli.Plotting;

/// <summary>Draws a reproduction's <see cref="ChartFigure"/>: its panels stacked top to bottom, one legend entry per series.</summary>
/// <remarks>A log-scaled x axis is drawn at log10 positions with ticks labelled by the original values.</remarks>
internal static class ChartPlots
{
    private static readonly Color[] Palette = [Colors.Black, Colors.Red, Colors.Blue, Colors.Green, Colors.Orange, Colors.Purple, Colors.Brown, Colors.Teal];

    /// <summary>Renders <paramref name="figure"/> to a PNG at <paramref name="path"/>.</summary>
    public static void Save(ChartFigure figure, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(figure.Panels.Count);
        for (int p = 0; p < figure.Panels.Count; p++)
        {
            var panel = figure.Panels[p];
            Plot plot = multiplot.GetPlot(p);
            double[] Position(double[] xs) => panel.LogX ? xs.Select(Math.Log10).ToArray() : xs;
            int colour = 0;
            foreach (var series in panel.Series)
            {
                if (series.Style == SeriesStyle.HorizontalLine)
                {
                    double[] xs = Position(series.X);
                    var line = plot.Add.Scatter(new[] { xs[0], xs[^1] }, new[] { series.Y[0], series.Y[0] },
                        series.Label == "zero" ? Colors.Gray : Palette[colour++ % Palette.Length]);
                    line.MarkerSize = 0;
                    line.LinePattern = LinePattern.Dashed;
                    if (series.Label != "zero") line.LegendText = series.Label;
                    continue;
                }
                var scatter = plot.Add.Scatter(Position(series.X), series.Y, Palette[colour++ % Palette.Length]);
                scatter.LegendText = series.Label;
                scatter.MarkerSize = series.Style == SeriesStyle.Markers ? 9 : 5;
                if (series.Style == SeriesStyle.Markers) scatter.LineWidth = 0;
            }
            if (panel.LogX)
            {
                double[] ticks = panel.Series.Where(s => s.Style != SeriesStyle.HorizontalLine).SelectMany(s => s.X).Distinct().Order().ToArray();
                plot.Axes.Bottom.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            }
            plot.Title(p == 0 ? $"{figure.Title}\n{panel.Title}" : panel.Title);
            plot.XLabel(panel.XLabel);
            plot.YLabel(panel.YLabel);
            plot.ShowLegend(Edge.Right);
        }
        multiplot.SavePng(path, 1100, Math.Max(450, 380 * figure.Panels.Count));
    }
}
