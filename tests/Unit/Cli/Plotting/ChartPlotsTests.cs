using System.Xml.Linq;
using ScottPlot;
using SimByz.Cli.Plotting;
using SimByz.Simulator.Reproductions;
using SimByz.Tests.Unit.Support;
using Xunit;

namespace SimByz.Tests.Unit.Cli.Plotting;

public class ChartPlotsTests
{
    private static ChartFigure ToyMedian()
    {
        var output = ReproductionCatalog.Resolve("toy-median")[0].Run(new ReproductionOptions(Quick: true));
        return Assert.IsType<ChartFigure>(Assert.Single(output.Figures));
    }

    [Fact]
    public void ToyMedian_WorkersOnIntegerTicks_AttackedValuesAtWorkers4And5()
    {
        var figure = ToyMedian();
        var attacked = figure.Panels[1];
        Assert.Contains("workers 4 and 5 (values 3 and 4)", attacked.Title, StringComparison.Ordinal);
        var byAttacker = attacked.Series.Single(s => s.Label.StartsWith("attacker's values", StringComparison.Ordinal));
        Assert.Equal([4.0, 5.0], byAttacker.X);
        Assert.All(byAttacker.Y, y => Assert.Equal(-0.9, y, 5));
        Assert.Equal(-0.3, attacked.Series.Single(s => s.Label.StartsWith("median = -0.3", StringComparison.Ordinal)).Y[0], 5);
        Assert.Equal(0.18, attacked.Series.Single(s => s.Label.StartsWith("mean = 0.18", StringComparison.Ordinal)).Y[0], 5);

        var multiplot = FigureFile.Exclusive(() => ChartPlots.Build(figure));
        foreach (var plot in multiplot.GetPlots())
        {
            var ticks = plot.Axes.Bottom.TickGenerator;
            Assert.True(ticks is ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly: true });
            Assert.Contains(plot.Axes.GetPanels(), p => p is ScottPlot.Panels.LegendPanel);
        }
    }

    [Fact]
    public void ToyMedian_FigureTitleIsNotInAPanelTitle()
    {
        var figure = ToyMedian();
        var multiplot = FigureFile.Exclusive(() => ChartPlots.Build(figure));
        foreach (var plot in multiplot.GetPlots()) Assert.DoesNotContain(figure.Title, plot.Axes.Title.Label.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void TenSeries_EveryPathShapedMarkerKeptAlive()
    {
        double[] x = [1, 2, 3];
        var series = Enumerable.Range(0, 10).Select(k => new ChartSeries($"s{k}", x, [k, k + 1, k + 2], k % 2 == 0 ? SeriesStyle.Line : SeriesStyle.Markers)).ToArray();
        var figure = new ChartFigure("ten", "ten series", [new ChartPanel("ten", "x", "y", series)]);
        var multiplot = FigureFile.Exclusive(() => ChartPlots.Build(figure));
        // Six path shapes of ten, each in its scatter and in that scatter's legend item.
        Assert.Equal(12, FigureFixtures.AssertEveryMarkerKeptAliveOnceDrawn(multiplot));
    }

    [Fact]
    public void Save_SvgParsesAndCarriesTheTitle()
    {
        string dir = Directory.CreateTempSubdirectory("simbyz-chart-").FullName;
        try
        {
            var figure = ToyMedian();
            ChartPlots.Save(figure, Path.Combine(dir, "a.png"), Path.Combine(dir, "a.svg"));
            var doc = XDocument.Load(Path.Combine(dir, "a.svg"));
            Assert.Contains(doc.Descendants(), e => e.Name.LocalName == "text" && e.Value.Contains("Median flips sign", StringComparison.Ordinal));
            Assert.True(new FileInfo(Path.Combine(dir, "a.png")).Length > 5000);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
