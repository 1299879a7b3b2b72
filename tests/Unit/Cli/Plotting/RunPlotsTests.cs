using System.Xml.Linq;
using ScottPlot;
using SimByz.Cli.Plotting;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Reproductions;
using SimByz.Tests.Unit.Support;
using Xunit;

namespace SimByz.Tests.Unit.Cli.Plotting;

public class RunPlotsTests
{
    private static readonly RunResult[] Converging = [FigureFixtures.RunResult("median", i => 2.3 - 0.05 * i), FigureFixtures.RunResult("krum:f=8", i => 2.3 - 0.06 * i), FigureFixtures.RunResult("zeno", i => 2.3 - 0.06 * i)];

    private static int Curves(Plot plot) => plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Count(s => s.MarkerSize == 0);

    [Fact]
    public void Build_OneCurvePerDefence_InBothPanels_WithDistinctStyles()
    {
        var layout = FigureFile.Exclusive(() => RunPlots.Build(Converging, FigureXAxis.Steps));
        Assert.Equal(3, Curves(layout.Accuracy));
        Assert.Equal(3, Curves(layout.Loss));
        var items = layout.Loss.Legend.ManualItems;
        Assert.Equal(["median", "krum:f=8", "zeno"], items.Select(i => i.LabelText));
        // Coinciding curves (krum, zeno) must differ in more than colour.
        Assert.NotEqual(items[1].MarkerShape, items[2].MarkerShape);
        Assert.NotEqual(items[1].LinePattern.Name, items[2].LinePattern.Name);
        Assert.Equal(3, items.Select(i => i.LineColor).Distinct().Count());
    }

    /// <summary>Ten defences give every marker shape of the style: each path-shaped one, in the curves' markers and in
    /// the legend, is drawn by a renderer that keeps its path alive (<see cref="PathMarkers"/>).</summary>
    [Fact]
    public void Build_TenDefences_EveryPathShapedMarkerKeptAlive()
    {
        var results = Enumerable.Range(0, 10).Select(d => FigureFixtures.RunResult($"d{d}", i => 2.3 - 0.01 * (d + 1) * i)).ToArray();
        var layout = FigureFile.Exclusive(() => RunPlots.Build(results, FigureXAxis.Steps));
        // Six path shapes of ten, in each panel's markers, those markers' legend items and the panel's legend entries.
        Assert.Equal(2 * 3 * 6, FigureFixtures.AssertEveryMarkerKeptAliveOnceDrawn(layout.Multiplot));
    }

    /// <summary>Skia's SVG writer has no dash patterns (it prints a warning per dashed line): the SVG pass draws
    /// lines solid, and the patterns are back for the next render.</summary>
    [Fact]
    public void SolidLines_ForTheSvgPass_SetsEveryPatternSolid_AndRestoresThem()
    {
        var layout = FigureFile.Exclusive(() => RunPlots.Build(Converging, FigureXAxis.Steps));
        string[] Patterns() => [.. layout.Multiplot.Subplots.GetPlots().SelectMany(p =>
            p.GetPlottables().OfType<IHasLine>().Select(l => l.LineStyle.Pattern.Name).Concat(p.Legend.ManualItems.Select(i => i.LinePattern.Name)))];
        string[] before = Patterns();
        Assert.Contains(before, name => name != LinePattern.Solid.Name);
        var restore = FigureFile.SolidLines(layout.Multiplot);
        Assert.All(Patterns(), name => Assert.Equal(LinePattern.Solid.Name, name));
        foreach (var undo in restore) undo();
        Assert.Equal(before, Patterns());
    }

    [Fact]
    public void Build_LegendsOutsideTheData()
    {
        var layout = FigureFile.Exclusive(() => RunPlots.Build(Converging, FigureXAxis.Steps));
        foreach (var plot in new[] { layout.Accuracy, layout.Loss })
        {
            Assert.Contains(plot.Axes.GetPanels(), p => p is ScottPlot.Panels.LegendPanel { Edge: Edge.Right });
            Assert.False(plot.Legend.IsVisible); // the in-plot legend, which would sit on the lines
        }
    }

    [Fact]
    public void Build_NoDivergence_LinearLossAxis()
    {
        var layout = FigureFile.Exclusive(() => RunPlots.Build(Converging, FigureXAxis.Steps));
        Assert.False(layout.LogLoss);
        Assert.Null(layout.LossClip);
    }

    [Fact]
    public void Build_MeanClimbingTo89_LogLossAxisKeepsRobustCurvesApart()
    {
        var results = Converging.Prepend(FigureFixtures.RunResult("mean", i => 2.3 + 4.3 * i)).ToArray(); // ends at 88.3
        var layout = FigureFile.Exclusive(() => RunPlots.Build(results, FigureXAxis.Steps));
        Assert.True(layout.LogLoss);
        Assert.Null(layout.LossClip);
        var limits = layout.Loss.Axes.GetLimits();
        Assert.InRange(limits.Top, Math.Log10(88.3), Math.Log10(88.3) + 0.5);
        Assert.InRange(limits.Bottom, Math.Log10(1.1) - 0.5, Math.Log10(1.1));
    }

    [Fact]
    public void Build_LossOverflowing_ClippedAt1000TimesTheStart()
    {
        var results = Converging.Prepend(FigureFixtures.RunResult("mean", i => i < 15 ? Math.Pow(10, i) : double.PositiveInfinity)).ToArray();
        var layout = FigureFile.Exclusive(() => RunPlots.Build(results, FigureXAxis.Steps));
        Assert.True(layout.LogLoss);
        Assert.Equal(2300, layout.LossClip!.Value, 6);
    }

    [Theory]
    [InlineData(FigureXAxis.Steps, 200)]
    [InlineData(FigureXAxis.Time, 0.14)]
    [InlineData(FigureXAxis.Messages, 100)]
    public void Build_XAxis_IsTheChosenQuantity(FigureXAxis axis, double last)
    {
        var layout = FigureFile.Exclusive(() => RunPlots.Build(Converging, axis));
        var curve = layout.Accuracy.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().First();
        Assert.Equal(last, curve.Data.GetScatterPoints()[^1].X, 9);
        Assert.Equal(RunPlots.XLabel(axis), layout.Accuracy.Axes.Bottom.Label.Text);
    }

    [Fact]
    public void Save_WritesPngAndSvgThatParsesAsXml()
    {
        string dir = Directory.CreateTempSubdirectory("simbyz-plot-").FullName;
        try
        {
            string png = Path.Combine(dir, "plot.png"), svg = Path.Combine(dir, "plot.svg");
            RunPlots.Save(Converging, "default: sign-flip:s=4, 8/20 Byzantine", "synchronous, wait for all", FigureXAxis.Steps, png, svg);
            byte[] bytes = File.ReadAllBytes(png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            var doc = XDocument.Load(svg);
            Assert.Equal("svg", doc.Root!.Name.LocalName);
            Assert.Contains(doc.Descendants(), e => e.Name.LocalName == "text" && e.Value.Contains("8/20 Byzantine", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// The warm-up figure (<see cref="FigureFile.StartWarmUp"/>, started by `simbyz run` before its data loads) is drawn
    /// to the end, and changes nothing a figure writes: the same figure saved before and after it has the same PNG and SVG
    /// bytes, the warm-up writes no file, and starting it again is harmless. (The warm-up starts once per process, so
    /// in a test process where a `run` already started it, the first figure here is drawn after it too.)
    /// </summary>
    [Fact]
    public void StartWarmUp_ChangesNoFigureByte_AndWritesNothing()
    {
        string dir = Directory.CreateTempSubdirectory("simbyz-plot-").FullName;
        try
        {
            string png1 = Path.Combine(dir, "a.png"), svg1 = Path.Combine(dir, "a.svg"), png2 = Path.Combine(dir, "b.png"), svg2 = Path.Combine(dir, "b.svg");
            RunPlots.Save(Converging, "before", "the warm-up", FigureXAxis.Steps, png1, svg1);
            string cwd = Directory.GetCurrentDirectory();
            var before = Directory.GetFileSystemEntries(cwd).Order().ToArray();
            FigureFile.StartWarmUp();
            FigureFile.StartWarmUp();
            RunPlots.Save(Converging, "before", "the warm-up", FigureXAxis.Steps, png2, svg2); // waits for the warm-up
            Assert.True(FigureFile.WarmUpSucceeded, "the warm-up figure was not drawn to the end"); // Save waited for it
            Assert.Equal(File.ReadAllBytes(png1), File.ReadAllBytes(png2));
            Assert.Equal(File.ReadAllBytes(svg1), File.ReadAllBytes(svg2));
            Assert.Equal(before, Directory.GetFileSystemEntries(cwd).Order().ToArray());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
