using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using SimByz.Simulator.Reproductions;

namespace SimByz.Cli.Plotting;

/// <summary>Draws a reproduction's <see cref="ChartFigure"/>: its panels stacked top to bottom under the figure title,
/// one legend entry per series, legends outside the data, PNG and SVG.</summary>
/// <remarks>A log-scaled x axis is drawn at log10 positions with ticks labelled by the original values. Series take
/// colour, marker and dash pattern from <see cref="FigureStyle"/>; a series labelled "zero" is the grey y = 0 guide.</remarks>
internal static class ChartPlots
{
    internal const int Width = 1100;

    /// <summary>Renders <paramref name="figure"/> to <paramref name="pngPath"/> and <paramref name="svgPath"/>.</summary>
    public static void Save(ChartFigure figure, string pngPath, string svgPath)
    {
        int height = (int)Math.Ceiling(Math.Max(450, 380 * figure.Panels.Count) + FigureFile.BandHeight(figure.Title, null));
        FigureFile.Save(() => Build(figure), figure.Title, null, Width, height, pngPath, svgPath);
    }

    /// <summary>Builds the panels without drawing them.</summary>
    internal static Multiplot Build(ChartFigure figure)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(figure.Panels.Count);
        for (int p = 0; p < figure.Panels.Count; p++)
        {
            var panel = figure.Panels[p];
            Plot plot = multiplot.GetPlot(p);
            double[] Position(double[] xs) => panel.LogX ? xs.Select(Math.Log10).ToArray() : xs;
            int k = 0;
            foreach (var series in panel.Series)
            {
                if (series.Style == SeriesStyle.HorizontalLine)
                {
                    double[] xs = Position(series.X);
                    bool guide = series.Label == "zero";
                    var line = plot.Add.Scatter(new[] { xs[0], xs[^1] }, new[] { series.Y[0], series.Y[0] }, guide ? Colors.Gray : FigureStyle.ColorOf(k));
                    line.MarkerSize = 0;
                    line.LineWidth = guide ? 1 : 2;
                    line.LinePattern = guide ? LinePattern.Dotted : FigureStyle.Patterns[1 + k % (FigureStyle.Patterns.Length - 1)];
                    if (!guide) line.LegendText = series.Label;
                    if (!guide) k++;
                    continue;
                }
                var scatter = plot.Add.Scatter(Position(series.X), series.Y, FigureStyle.ColorOf(k));
                scatter.LegendText = series.Label;
                scatter.MarkerShape = FigureStyle.MarkerOf(k);
                scatter.MarkerSize = series.Style == SeriesStyle.Markers ? 11 : 7;
                scatter.LinePattern = FigureStyle.PatternOf(k);
                scatter.LineWidth = series.Style == SeriesStyle.Markers ? 0 : 2;
                k++;
            }
            if (panel.LogX)
            {
                double[] ticks = panel.Series.Where(s => s.Style != SeriesStyle.HorizontalLine).SelectMany(s => s.X).Distinct().Order().ToArray();
                plot.Axes.Bottom.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString(CultureInfo.InvariantCulture)).ToArray());
            }
            else if (panel.IntegerX)
            {
                double lo = panel.Series.SelectMany(s => s.X).Min(), hi = panel.Series.SelectMany(s => s.X).Max();
                plot.Axes.Bottom.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true };
                plot.Axes.SetLimitsX(Math.Floor(lo) - 0.5, Math.Ceiling(hi) + 0.5);
            }
            plot.Title(panel.Title, FigureStyle.SubtitleSize + 1);
            plot.XLabel(panel.XLabel, FigureStyle.LabelSize);
            plot.YLabel(panel.YLabel, FigureStyle.LabelSize);
            plot.Legend.FontSize = FigureStyle.LegendSize;
            plot.ShowLegend(Edge.Right);
        }
        return multiplot;
    }
}
