using ScottPlot;
using SimByz.Simulator.Sweeps;

namespace SimByz.Cli.Plotting;

/// <summary>
/// The accuracy figure of a sweep (accuracy.png): for each attack (x), one marker per defence at the
/// mean final test accuracy over seeds with whiskers spanning the 95 % confidence interval (Student t,
/// n − 1 degrees of freedom; no whisker with one seed); one panel per facet, stacked like the heatmap.
/// </summary>
internal static class SweepWhiskers
{
    /// <summary>Renders <paramref name="panels"/> to a PNG at <paramref name="path"/>.</summary>
    public static void Save(SweepPlan plan, IReadOnlyList<AccuracyPanel> panels, string path)
    {
        var grid = plan.Grid;
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        var palette = new ScottPlot.Palettes.Category10();
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
                var color = palette.GetColor(d);
                if (xs.Count == 0) continue;
                var bars = plot.Add.ErrorBar(xs, ys, errors);
                bars.Color = color;
                var markers = plot.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, 8, color);
                markers.LegendText = panel.Defences[d];
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, attacks).Select(a => (double)a).ToArray(), panel.Attacks.ToArray());
            plot.Axes.SetLimits(-0.6, attacks - 0.4, 0, 100);
            plot.ShowLegend(Edge.Right);
            string title = SweepResults.PanelTitle(grid, panel);
            string seeds = panel.Seeds > 1 ? $", mean ± 95 % CI over {panel.Seeds} seeds" : "";
            plot.Title(title.Length > 0 ? $"{grid.Name}: test accuracy (%), {title}{seeds}" : $"{grid.Name}: test accuracy (%){seeds}");
            plot.XLabel("attack");
            plot.YLabel("test accuracy (%)");
        }
        int widthPx = Math.Max(720, 360 + 130 * panels.Max(x => x.Attacks.Count));
        multiplot.SavePng(path, widthPx, panels.Count * 360);
    }
}
