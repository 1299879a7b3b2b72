using System.Globalization;
using ScottPlot;
using SimByz.Simulator.Sweeps;

namespace SimByz.Cli.Plotting;

/// <summary>
/// The heatmap of a sweep (heatmap.png, heatmap.svg): final test accuracy (mean over seeds), defences (rows) × attacks
/// (columns), each cell coloured on viridis from 0 to 100 % and labelled with its value in %; one panel per facet (q,
/// delay and every path field of the grid that varies), stacked under the figure title.
/// </summary>
/// <remarks>Each cell is a filled rectangle of its own rather than a ScottPlot heatmap: the heatmap derives its cell
/// size from the distance between the first and last data points, which is zero with a single attack or a single
/// defence, and then draws nothing. A cell without a finite value (no run, or a regression task's NaN accuracy) is
/// light grey and labelled "n/a".</remarks>
internal static class SweepHeatmap
{
    /// <summary>The colours: viridis over [0, 100] %.</summary>
    internal static readonly ColorScale Scale = new(new ScottPlot.Colormaps.Viridis(), new ScottPlot.Range(0, 100));

    /// <summary>The colour of a cell without a finite value.</summary>
    internal static readonly Color MissingColor = Colors.LightGray;

    /// <summary>Renders <paramref name="panels"/> to <paramref name="pngPath"/> and <paramref name="svgPath"/>.</summary>
    public static void Save(SweepPlan plan, IReadOnlyList<AccuracyPanel> panels, string pngPath, string svgPath)
    {
        var (title, subtitle) = Titles(plan.Grid, panels);
        var (width, height) = Size(panels, title, subtitle);
        FigureFile.Save(() => Build(plan.Grid, panels), title, subtitle, width, height, pngPath, svgPath);
    }

    internal static (string Title, string Subtitle) Titles(SweepGrid grid, IReadOnlyList<AccuracyPanel> panels)
        => SweepFigureTitles.Of(grid, panels, Seeds);

    /// <summary>The figure's size in pixels: wide enough for every attack's label, tall enough for every defence.</summary>
    internal static (int Width, int Height) Size(IReadOnlyList<AccuracyPanel> panels, string title, string subtitle)
    {
        int width = Math.Max(640, 260 + 150 * panels.Max(p => p.Attacks.Count));
        int panel = Math.Max(300, 140 + 48 * panels.Max(p => p.Defences.Count));
        return (width, panels.Count * panel + (int)Math.Ceiling(FigureFile.BandHeight(title, subtitle)));
    }

    /// <summary>Builds the panels without drawing them. Cell (row r, column c) covers x in [c, c+1] and y in
    /// [rows−1−r, rows−r]: the first defence on top.</summary>
    internal static Multiplot Build(SweepGrid grid, IReadOnlyList<AccuracyPanel> panels)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        for (int p = 0; p < panels.Count; p++)
        {
            var panel = panels[p];
            Plot plot = multiplot.GetPlot(p);
            int rows = panel.Defences.Count, cols = panel.Attacks.Count;
            var mean = panel.Mean;
            bool anyFinite = false;
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    double v = mean[r, c];
                    bool finite = double.IsFinite(v);
                    anyFinite |= finite;
                    var cell = plot.Add.Rectangle(c, c + 1, rows - r - 1, rows - r);
                    cell.FillColor = finite ? Scale.ColorOf(100 * v) : MissingColor;
                    // A hairline in the cell's own colour closes the anti-aliasing seams between neighbours.
                    cell.LineColor = cell.FillColor;
                    cell.LineWidth = 1;
                    var text = plot.Add.Text(finite ? (100 * v).ToString("0.0", CultureInfo.InvariantCulture) : "n/a", c + 0.5, rows - r - 0.5);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = FigureStyle.LabelSize;
                    text.LabelFontColor = finite && v < 0.6 ? Colors.White : Colors.Black;
                }
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, cols).Select(c => c + 0.5).ToArray(), panel.Attacks.ToArray());
            plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => rows - r - 0.5).ToArray(), panel.Defences.ToArray());
            plot.Axes.Bottom.MajorTickStyle.Length = 0;
            plot.Axes.Left.MajorTickStyle.Length = 0;
            plot.Axes.Bottom.TickLabelStyle.FontSize = FigureStyle.LegendSize;
            plot.Axes.Left.TickLabelStyle.FontSize = FigureStyle.LegendSize;
            plot.Axes.SetLimits(0, cols, 0, rows);
            plot.HideGrid();
            if (anyFinite)
            {
                var bar = plot.Add.ColorBar(Scale);
                bar.Label = "test accuracy (%)";
                bar.LabelStyle.FontSize = FigureStyle.LabelSize;
            }
            plot.Title(SweepFigureTitles.Panel(grid, panels, panel, Seeds), FigureStyle.SubtitleSize + 1);
            plot.XLabel("attack", FigureStyle.LabelSize);
            plot.YLabel("defence", FigureStyle.LabelSize);
        }
        return multiplot;
    }

    private static string Seeds(int n) => $"mean of {n} seeds";
}
