using ScottPlot;
using SimByz.Simulator.Engine;

namespace SimByz.Cli.Plotting;

/// <summary>
/// The figure of a run, in the style of the Zeno papers: test accuracy (top) and training loss
/// (bottom) against server steps, one line per defence.
/// </summary>
internal static class RunPlots
{
    private static readonly Color[] Palette =
    [
        Colors.Black, Colors.Red, Colors.Blue, Colors.Green, Colors.Orange, Colors.Purple, Colors.Brown, Colors.Magenta,
        Colors.Teal, Colors.Gray,
    ];

    /// <summary>Renders <paramref name="results"/> to a PNG at <paramref name="path"/>.</summary>
    /// <param name="results">One run per defence.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="path">PNG path.</param>
    /// <param name="byTime">Simulated time on the x axis instead of server steps.</param>
    /// <param name="lossCeiling">When given, the accuracy axis spans [0, 1] and the loss axis [0, ceiling], so that a
    /// diverging defence leaves the frame instead of flattening every other line.</param>
    /// <param name="legendOutside">Legends to the right of the panels (many or long defence names) instead of inside.</param>
    public static void SaveAccuracyAndLoss(IReadOnlyList<RunResult> results, string title, string path, bool byTime = false, double? lossCeiling = null,
        bool legendOutside = false)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Plot accuracy = multiplot.GetPlot(0), loss = multiplot.GetPlot(1);
        for (int k = 0; k < results.Count; k++)
        {
            var rows = results[k].Rows;
            double[] x = rows.Select(r => byTime ? r.TimeNs / 1e9 : r.Step).ToArray();
            double[] acc = rows.Select(r => double.IsFinite(r.TestAccuracy) ? r.TestAccuracy : double.NaN).ToArray();
            double[] trainLoss = rows.Select(r => double.IsFinite(r.TrainLoss) ? r.TrainLoss : double.NaN).ToArray();
            var color = Palette[k % Palette.Length];
            var a = accuracy.Add.Scatter(x, acc, color);
            a.LegendText = results[k].Defence;
            a.MarkerSize = 3;
            var l = loss.Add.Scatter(x, trainLoss, color);
            l.LegendText = results[k].Defence;
            l.MarkerSize = 3;
        }
        string xLabel = byTime ? "simulated time (s)" : "server steps";
        accuracy.Title(title);
        accuracy.YLabel("test accuracy");
        accuracy.XLabel(xLabel);
        if (legendOutside) accuracy.ShowLegend(Edge.Right);
        else accuracy.ShowLegend(Alignment.LowerRight);
        loss.YLabel("training loss");
        loss.XLabel(xLabel);
        if (legendOutside) loss.ShowLegend(Edge.Right);
        else loss.ShowLegend(Alignment.UpperRight);
        if (lossCeiling is { } ceiling)
        {
            accuracy.Axes.SetLimitsY(0, 1);
            loss.Axes.SetLimitsY(0, ceiling);
            loss.YLabel(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"training loss (axis clipped at {ceiling:0.##})"));
        }
        multiplot.SavePng(path, legendOutside ? 1250 : 900, 900);
    }
}
