using ScottPlot;
using SimByz.Cli.Plotting;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using Xunit;

namespace SimByz.Tests.Unit.Support;

/// <summary>Builders and checks shared by the figure tests (tests/Unit/Cli/Plotting).</summary>
internal static class FigureFixtures
{
    /// <summary>A run of <paramref name="points"/> metrics rows, one every 10 steps, with the given training loss.</summary>
    internal static RunResult RunResult(string defence, Func<int, double> loss, int points = 21)
    {
        var rows = Enumerable.Range(0, points).Select(i => new MetricsRow
        {
            Defence = defence, Step = 10 * i, TimeNs = 7_000_000L * i, TrainLoss = loss(i), TestAccuracy = 0.5,
            Counts = new MessageCounts(HonestApplied: 3 * i, HonestRejected: 0, HonestDropped: 0, ByzantineApplied: 0, ByzantineRejected: 2 * i, ByzantineDropped: 0),
        }).ToList();
        return new RunResult(defence, rows, rows[^1].Step, new SimTime(rows[^1].TimeNs), 0, 0, "steps");
    }

    /// <summary>
    /// Asserts that every marker of every plot in <paramref name="multiplot"/> (plottables, their legend items, manual
    /// legend items) is drawn without a path or by a renderer of <see cref="PathMarkers"/>; returns how many were path shapes.
    /// </summary>
    internal static int AssertEveryMarkerKeptAlive(Multiplot multiplot)
    {
        int pathShaped = 0;
        foreach (var plot in multiplot.Subplots.GetPlots())
        {
            var styles = plot.GetPlottables().OfType<IHasMarker>().Select(p => p.MarkerStyle)
                .Concat(plot.GetPlottables().SelectMany(p => p.LegendItems).Select(i => i.MarkerStyle))
                .Concat(plot.Legend.ManualItems.Select(i => i.MarkerStyle));
            foreach (var style in styles)
            {
                if (PathMarkers.Pathless.Contains(style.Shape)) continue;
                pathShaped++;
                Assert.NotNull(style.CustomRenderer);
                Assert.Same(PathMarkers.For(style.Shape), style.CustomRenderer);
            }
        }
        return pathShaped;
    }
}
