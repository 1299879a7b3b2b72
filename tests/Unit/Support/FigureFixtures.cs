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
    /// Draws <paramref name="multiplot"/> as <see cref="FigureFile"/> draws a figure (on the SVG canvas, into nothing), then
    /// asserts that every marker of every plot (plottables, their legend items, manual legend items) is drawn without a
    /// path or by a renderer of <see cref="PathMarkers"/>; returns how many were path shapes.
    /// </summary>
    internal static int AssertEveryMarkerKeptAliveOnceDrawn(Multiplot multiplot)
    {
        FigureFile.Exclusive(() =>
        {
            FigureFile.DrawSvg(multiplot, "figure", null, 640, 480, FigureFile.BandHeight("figure", null), Stream.Null);
            return 0;
        });
        int pathShaped = 0;
        foreach (var style in PathMarkers.Styles(multiplot))
        {
            if (PathMarkers.Pathless.Contains(style.Shape)) continue;
            pathShaped++;
            Assert.Same(PathMarkers.For(style.Shape), style.CustomRenderer);
        }
        return pathShaped;
    }
}
