using System.Globalization;
using ScottPlot;
using SimByz.Simulator.Sweeps;

namespace SimByz.Cli.Plotting;

/// <summary>
/// The heatmap of a sweep: final test accuracy (mean over seeds), defences (rows) × attacks
/// (columns), each cell labelled with its value in %; one panel per facet (q, delay and every path
/// field of the grid), stacked.
/// </summary>
internal static class SweepHeatmap
{
    /// <summary>Renders <paramref name="panels"/> to a PNG at <paramref name="path"/>.</summary>
    public static void Save(SweepPlan plan, IReadOnlyList<AccuracyPanel> panels, string path)
    {
        var grid = plan.Grid;
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        for (int p = 0; p < panels.Count; p++)
        {
            var panel = panels[p];
            Plot plot = multiplot.GetPlot(p);
            int rows = panel.Defences.Count, cols = panel.Attacks.Count;
            var mean = panel.Mean;
            var percent = new double[rows, cols];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++) percent[r, c] = 100 * mean[r, c];
            }
            // A panel without any finite accuracy (regression tasks report NaN) has no colours to map, and
            // ScottPlot cannot range such data: grey cells with "n/a" labels instead of a heatmap.
            bool anyFinite = false;
            foreach (double v in percent) anyFinite |= double.IsFinite(v);
            ScottPlot.Plottables.Heatmap? heatmap = null;
            if (anyFinite)
            {
                heatmap = plot.Add.Heatmap(percent);
                heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
                heatmap.ManualRange = new ScottPlot.Range(0, 100);
                heatmap.NaNCellColor = Colors.LightGray;
                // Cell (row r, column c) covers x in [c, c+1] and y in [rows-1-r, rows-r]: row 0 on top.
                heatmap.Rectangle = new CoordinateRect(0, cols, 0, rows);
            }
            else
            {
                plot.DataBackground.Color = Colors.LightGray;
            }
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    double v = mean[r, c];
                    string label = double.IsFinite(v) ? (100 * v).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
                    var text = plot.Add.Text(label, c + 0.5, rows - r - 0.5);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = 14;
                    text.LabelFontColor = double.IsFinite(v) && v < 0.6 ? Colors.White : Colors.Black;
                }
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, cols).Select(c => c + 0.5).ToArray(), panel.Attacks.ToArray());
            plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => rows - r - 0.5).ToArray(), panel.Defences.ToArray());
            plot.Axes.Bottom.MajorTickStyle.Length = 0;
            plot.Axes.Left.MajorTickStyle.Length = 0;
            plot.Axes.SetLimits(0, cols, 0, rows);
            plot.HideGrid();
            if (heatmap is not null) plot.Add.ColorBar(heatmap);
            string title = SweepResults.PanelTitle(grid, panel);
            string seeds = panel.Seeds > 1 ? $", mean of {panel.Seeds} seeds" : "";
            plot.Title(title.Length > 0 ? $"{grid.Name}: test accuracy (%), {title}{seeds}" : $"{grid.Name}: test accuracy (%){seeds}");
            plot.XLabel("attack");
            plot.YLabel("defence");
        }
        int width = Math.Max(640, 260 + 150 * panels.Max(p => p.Attacks.Count));
        int height = panels.Count * Math.Max(300, 140 + 48 * panels.Max(p => p.Defences.Count));
        multiplot.SavePng(path, width, height);
    }
}
