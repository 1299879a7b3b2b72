using ScottPlot;
using SimByz.Simulator.Sweeps;

namespace SimByz.Cli.Plotting;

/// <summary>
/// The accuracy figure of a sweep (accuracy.png, accuracy.svg): for each attack (x), one marker per defence at the
/// mean final test accuracy over seeds with whiskers spanning the 95 % confidence interval (Student t, n − 1 degrees
/// of freedom; no whisker with one seed); one panel per facet, stacked like the heatmap. Defences take colour and
/// marker from <see cref="FigureStyle"/>, so they stay distinguishable in grey-scale print.
/// </summary>
internal static class SweepWhiskers
{
    /// <summary>Renders <paramref name="panels"/> to <paramref name="pngPath"/> and <paramref name="svgPath"/>.</summary>
    public static void Save(SweepPlan plan, IReadOnlyList<AccuracyPanel> panels, string pngPath, string svgPath)
    {
        var (title, subtitle) = SweepFigureTitles.Of(plan.Grid, panels, Seeds);
        int width = Math.Max(720, 360 + 130 * panels.Max(x => x.Attacks.Count));
        int height = panels.Count * 360 + (int)Math.Ceiling(FigureFile.BandHeight(title, subtitle));
        FigureFile.Save(() => Build(plan.Grid, panels), title, subtitle, width, height, pngPath, svgPath);
    }

    /// <summary>Builds the panels without drawing them.</summary>
    internal static Multiplot Build(SweepGrid grid, IReadOnlyList<AccuracyPanel> panels)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        for (int p = 0; p < panels.Count; p++)
        {
            var panel = panels[p];
            Plot plot = multiplot.GetPlot(p);
            int defences = panel.Defences.Count, attacks = panel.Attacks.Count;
            // Defences side by side within each attack's slot, so whiskers do not overlap.
            double width = 0.8 / defences;
            for (int d = 0; d < defences; d++)
            {
                var xs = new List<double>();
                var ys = new List<double>();
                var errors = new List<double>();
                for (int a = 0; a < attacks; a++)
                {
                    var cell = panel.Cells[d, a];
                    if (cell.Count == 0 || !double.IsFinite(cell.Mean)) continue;
                    xs.Add(a - 0.4 + width * (d + 0.5));
                    ys.Add(100 * cell.Mean);
                    errors.Add(double.IsFinite(cell.HalfWidth) ? 100 * cell.HalfWidth : 0);
                }
                if (xs.Count == 0) continue;
                var color = FigureStyle.ColorOf(d);
                var bars = plot.Add.ErrorBar(xs, ys, errors);
                bars.Color = color;
                bars.LineWidth = 1.5f;
                var markers = plot.Add.Markers(xs.ToArray(), ys.ToArray(), FigureStyle.MarkerOf(d), 9, color);
                markers.LegendText = panel.Defences[d];
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, attacks).Select(a => (double)a).ToArray(), panel.Attacks.ToArray());
            plot.Axes.Bottom.TickLabelStyle.FontSize = FigureStyle.LegendSize;
            // A little room beyond 0 and 100 %, so that a marker there is drawn whole.
            plot.Axes.SetLimits(-0.6, attacks - 0.4, -2, 102);
            plot.Legend.FontSize = FigureStyle.LegendSize;
            plot.ShowLegend(Edge.Right);
            plot.Title(SweepFigureTitles.Panel(grid, panels, panel, Seeds), FigureStyle.SubtitleSize + 1);
            plot.XLabel("attack", FigureStyle.LabelSize);
            plot.YLabel("test accuracy (%)", FigureStyle.LabelSize);
        }
        return multiplot;
    }

    private static string Seeds(int n) => $"mean ± 95 % CI over {n} seeds";
}
