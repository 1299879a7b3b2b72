using System.Xml.Linq;
using ScottPlot;
using SimByz.Cli.Plotting;
using SimByz.Simulator.Sweeps;
using SimByz.Tests.Unit.Sweeps;
using SimByz.Tests.Unit.Support;
using Xunit;

namespace SimByz.Tests.Unit.Cli.Plotting;

public class SweepWhiskersTests
{
    private static readonly AccuracyPanel[] Panels =
    [
        SweepHeatmapTests.Panel("1", ["mean", "median", "krum:f=2"], ["none", "sign-flip:s=4"], (d, a) => 0.5 + 0.1 * d + 0.2 * a),
        SweepHeatmapTests.Panel("2", ["mean", "median", "krum:f=2"], ["none", "sign-flip:s=4"], (d, a) => d == 0 && a == 1 ? 0.02 : 0.9),
    ];

    [Fact]
    public void Build_OneMarkerSeriesPerDefence_DistinctColourAndShape_WhiskersAtTheConfidenceInterval()
    {
        var multiplot = FigureFile.Exclusive(() => SweepWhiskers.Build(SweepHeatmapTests.Grid, Panels));
        foreach (var plot in multiplot.GetPlots())
        {
            var markers = plot.GetPlottables().OfType<ScottPlot.Plottables.Markers>().ToList();
            Assert.Equal(["mean", "median", "krum:f=2"], markers.Select(m => m.LegendText));
            Assert.Equal(3, markers.Select(m => m.MarkerStyle.FillColor.ARGB).Distinct().Count());
            Assert.Equal(3, markers.Select(m => m.MarkerStyle.Shape).Distinct().Count());
            var bars = plot.GetPlottables().OfType<ScottPlot.Plottables.ErrorBar>().ToList();
            Assert.Equal(3, bars.Count);
            Assert.All(bars, b => Assert.All(b.YErrorPositive!, e => Assert.Equal(9, e, 9)));
            Assert.Contains(plot.Axes.GetPanels(), p => p is ScottPlot.Panels.LegendPanel);
        }
    }

    [Fact]
    public void Build_PathShapedMarkers_KeptAlive()
    {
        var multiplot = FigureFile.Exclusive(() => SweepWhiskers.Build(SweepHeatmapTests.Grid, Panels));
        // The third defence's triangle, in each panel's markers and their legend item.
        Assert.Equal(4, FigureFixtures.AssertEveryMarkerKeptAliveOnceDrawn(multiplot));
    }

    [Fact]
    public void Save_PngAndSvg_SvgParsesAndCarriesTheTitle()
    {
        string dir = Directory.CreateTempSubdirectory("simbyz-whiskers-").FullName;
        try
        {
            var plan = SweepPlan.Create(SweepHeatmapTests.Grid, SweepFixtures.Version);
            SweepWhiskers.Save(plan, Panels, Path.Combine(dir, "accuracy.png"), Path.Combine(dir, "accuracy.svg"));
            Assert.True(new FileInfo(Path.Combine(dir, "accuracy.png")).Length > 5000);
            var svg = XDocument.Load(Path.Combine(dir, "accuracy.svg"));
            string text = string.Join("\n", svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()));
            Assert.Contains("tiny: final test accuracy (%), mean ± 95 % CI over 2 seeds", text, StringComparison.Ordinal);
            Assert.Contains("q = 2", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
