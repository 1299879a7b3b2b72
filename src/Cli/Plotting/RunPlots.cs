using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Reproductions;

namespace SimByz.Cli.Plotting;

/// <summary>
/// The figure of a run, in the style of the Zeno papers: test accuracy (top) and training loss (bottom), one line
/// per defence, against server steps, simulated time or messages received.
/// </summary>
/// <remarks>
/// <para>Each defence has its own colour, marker and dash pattern (<see cref="FigureStyle"/>); markers sit on about
/// ten points per curve, staggered between defences, so curves that coincide still show each marker.</para>
/// <para>The loss axis turns logarithmic when a defence diverges (its loss climbs past 10× the largest initial loss):
/// on a linear axis Mean's climb to 89 would flatten every robust curve at the bottom. The log axis is clipped at
/// 1000× the initial loss so that a loss of 1e30 does not compress the rest either.</para>
/// <para>Legends sit to the right of the panels, outside the data.</para>
/// </remarks>
internal static class RunPlots
{
    internal const int Width = 1250, Height = 900;

    /// <summary>A drawn run figure: the panels, and how the loss axis was chosen.</summary>
    /// <param name="Multiplot">Both panels.</param>
    /// <param name="Accuracy">The test-accuracy panel.</param>
    /// <param name="Loss">The training-loss panel.</param>
    /// <param name="LogLoss">Whether the loss axis is logarithmic (values plotted as log10).</param>
    /// <param name="LossClip">Loss values above this are outside the frame (null: nothing is clipped).</param>
    internal sealed record Layout(Multiplot Multiplot, Plot Accuracy, Plot Loss, bool LogLoss, double? LossClip);

    /// <summary>Renders the figure to <paramref name="pngPath"/> and <paramref name="svgPath"/>.</summary>
    public static void Save(IReadOnlyList<RunResult> results, string title, string? subtitle, FigureXAxis xAxis, string pngPath, string svgPath)
    {
        FigureFile.Save(() => Build(results, xAxis).Multiplot, title, subtitle, Width, Height, pngPath, svgPath);
    }

    /// <summary>The x value of a metrics row.</summary>
    internal static double X(MetricsRow r, FigureXAxis axis) => axis switch
    {
        FigureXAxis.Time => r.TimeNs / 1e9,
        FigureXAxis.Messages => r.HonestApplied + r.HonestRejected + r.HonestDropped + r.ByzantineApplied + r.ByzantineRejected + r.ByzantineDropped,
        _ => r.Step,
    };

    internal static string XLabel(FigureXAxis axis) => axis switch
    {
        FigureXAxis.Time => "simulated time (s)",
        FigureXAxis.Messages => "messages received by the server",
        _ => "server steps",
    };

    /// <summary>Builds the panels without drawing them.</summary>
    internal static Layout Build(IReadOnlyList<RunResult> results, FigureXAxis xAxis)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Plot accuracy = multiplot.GetPlot(0), loss = multiplot.GetPlot(1);
        var (logLoss, clip) = LossScale(results);
        for (int k = 0; k < results.Count; k++)
        {
            var rows = results[k].Rows;
            double[] x = rows.Select(r => X(r, xAxis)).ToArray();
            double[] acc = rows.Select(r => double.IsFinite(r.TestAccuracy) ? r.TestAccuracy : double.NaN).ToArray();
            double[] trainLoss = rows.Select(r => LossValue(r.TrainLoss, logLoss)).ToArray();
            AddSeries(accuracy, x, acc, k, results.Count);
            AddSeries(loss, x, trainLoss, k, results.Count);
            accuracy.Legend.ManualItems.Add(LegendEntry(results[k].Defence, k));
            loss.Legend.ManualItems.Add(LegendEntry(results[k].Defence, k));
        }
        string xLabel = XLabel(xAxis);
        accuracy.YLabel("test accuracy", FigureStyle.LabelSize);
        accuracy.XLabel(xLabel, FigureStyle.LabelSize);
        accuracy.Axes.SetLimitsY(-0.02, 1.02);
        loss.XLabel(xLabel, FigureStyle.LabelSize);
        if (logLoss)
        {
            double low = results.SelectMany(r => r.Rows).Select(r => r.TrainLoss).Where(v => double.IsFinite(v) && v > 0).Min();
            double high = clip ?? results.SelectMany(r => r.Rows).Select(r => r.TrainLoss).Where(double.IsFinite).Max();
            double lo = Math.Log10(low), hi = Math.Log10(high), pad = 0.04 * Math.Max(hi - lo, 0.1);
            loss.Axes.Left.TickGenerator = new NumericAutomatic
            {
                IntegerTicksOnly = true,
                MinorTickGenerator = new LogMinorTickGenerator(),
                LabelFormatter = y => Nice(SimByz.Scheduler.DetMath.Pow(10, y)),
            };
            loss.Axes.SetLimitsY(lo - pad, hi + pad);
            loss.YLabel(clip is { } c ? $"training loss (log scale, clipped at {Nice(c)})" : "training loss (log scale)",
                FigureStyle.LabelSize);
        }
        else
        {
            loss.YLabel("training loss", FigureStyle.LabelSize);
        }
        foreach (var plot in new[] { accuracy, loss })
        {
            plot.Legend.FontSize = FigureStyle.LegendSize;
            plot.ShowLegend(Edge.Right);
        }
        return new Layout(multiplot, accuracy, loss, logLoss, clip);
    }

    /// <summary>Log scale when a defence diverges; the clip when its loss exceeds 1000× the initial loss.</summary>
    internal static (bool Log, double? Clip) LossScale(IReadOnlyList<RunResult> results)
    {
        var finite = results.SelectMany(r => r.Rows).Select(r => r.TrainLoss).Where(v => double.IsFinite(v) && v > 0).ToList();
        double initial = results.Where(r => r.Rows.Count > 0).Select(r => r.Rows[0].TrainLoss).Where(v => double.IsFinite(v) && v > 0).DefaultIfEmpty(double.NaN).Max();
        if (finite.Count == 0 || !double.IsFinite(initial)) return (false, null);
        double max = finite.Max();
        bool diverges = max > 10 * initial || results.Any(r => r.Rows.Any(x => double.IsInfinity(x.TrainLoss)));
        if (!diverges) return (false, null);
        double ceiling = 1000 * initial;
        return (true, max > ceiling || results.Any(r => r.Rows.Any(x => double.IsInfinity(x.TrainLoss))) ? ceiling : null);
    }

    /// <summary>A tick or clip value as people write it: 0.01, 2490, 1e+06.</summary>
    internal static string Nice(double v) => v is >= 1e-3 and < 1e5
        ? v.ToString(v < 10 ? "0.###" : "0", CultureInfo.InvariantCulture)
        : v.ToString("0.#e+0", CultureInfo.InvariantCulture);

    private static double LossValue(double v, bool log)
    {
        if (!double.IsFinite(v)) return double.NaN;
        if (!log) return v;
        return v > 0 ? Math.Log10(v) : double.NaN;
    }

    /// <summary>The curve (no markers), then its markers on about ten points, staggered by series so that
    /// coinciding curves show their markers side by side.</summary>
    private static void AddSeries(Plot plot, double[] x, double[] y, int k, int count)
    {
        var line = plot.Add.Scatter(x, y, FigureStyle.ColorOf(k));
        line.MarkerSize = 0;
        line.LineWidth = 2;
        line.LinePattern = FigureStyle.PatternOf(k);
        int stride = Math.Max(1, x.Length / 10);
        int offset = count <= 1 ? 0 : k * stride / count;
        var mx = new List<double>();
        var my = new List<double>();
        for (int i = offset; i < x.Length; i += stride)
        {
            if (!double.IsFinite(y[i])) continue;
            mx.Add(x[i]);
            my.Add(y[i]);
        }
        if (mx.Count == 0) return;
        var markers = plot.Add.Scatter(mx.ToArray(), my.ToArray(), FigureStyle.ColorOf(k));
        markers.LineWidth = 0;
        markers.MarkerShape = FigureStyle.MarkerOf(k);
        markers.MarkerSize = 8;
    }

    internal static LegendItem LegendEntry(string label, int k) => new()
    {
        LabelText = label,
        LineColor = FigureStyle.ColorOf(k),
        LineWidth = 2,
        LinePattern = FigureStyle.PatternOf(k),
        MarkerShape = FigureStyle.MarkerOf(k),
        MarkerColor = FigureStyle.ColorOf(k),
        MarkerSize = 8,
    };
}
