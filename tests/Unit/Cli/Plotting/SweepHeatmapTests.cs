using System.Globalization;
using System.Xml.Linq;
using ScottPlot;
using SimByz.Cli.Plotting;
using SimByz.Simulator.Sweeps;
using SimByz.Tests.Unit.Sweeps;
using SkiaSharp;
using Xunit;

namespace SimByz.Tests.Unit.Cli.Plotting;

/// <summary>The sweep heatmap, rendered: every cell is filled with its colour (not left white), also with a single
/// attack or a single defence, and the SVG beside the PNG parses and carries the title.</summary>
public class SweepHeatmapTests
{
    internal static readonly SweepGrid Grid = SweepFixtures.Parse(SweepFixtures.Grid(
        "\"defences\": [\"mean\", \"median\", \"krum:f=2\"], \"attacks\": [\"sign-flip:s=4\"], \"q\": [1, 2], \"seeds\": [1, 2]"));

    internal static AccuracyPanel Panel(string q, string[] defences, string[] attacks, Func<int, int, double> mean)
    {
        var cells = new SeedStatistics[defences.Length, attacks.Length];
        for (int d = 0; d < defences.Length; d++)
        {
            for (int a = 0; a < attacks.Length; a++)
            {
                double m = mean(d, a);
                cells[d, a] = double.IsNaN(m) ? new SeedStatistics(0, double.NaN, double.NaN, double.NaN) : new SeedStatistics(2, m, 0.01, 0.09);
            }
        }
        return new AccuracyPanel([("q", q), ("delay", "lognormal:mu=-4.6,sigma=0.25")], defences, attacks, cells);
    }

    /// <summary>Renders <paramref name="panels"/> as <c>simbyz sweep</c> does and returns the PNG's pixels, the SVG,
    /// and for each panel the image pixel of a data coordinate.</summary>
    private static (SKBitmap Png, XDocument Svg, Func<int, double, double, (int X, int Y)> Pixel, Multiplot Figure) Render(IReadOnlyList<AccuracyPanel> panels)
    {
        string dir = Directory.CreateTempSubdirectory("simbyz-heatmap-").FullName;
        try
        {
            string png = Path.Combine(dir, "heatmap.png"), svg = Path.Combine(dir, "heatmap.svg");
            var multiplot = FigureFile.Exclusive(() => SweepHeatmap.Build(Grid, panels));
            var (title, subtitle) = SweepHeatmap.Titles(Grid, panels);
            var (width, height) = SweepHeatmap.Size(panels, title, subtitle);
            FigureFile.Save(() => multiplot, title, subtitle, width, height, png, svg);
            float band = FigureFile.BandHeight(title, subtitle);
            (int, int) Pixel(int panel, double x, double y)
            {
                var p = multiplot.GetPlot(panel).GetPixel(new Coordinates(x, y));
                return ((int)Math.Round(p.X), (int)Math.Round(p.Y + band));
            }
            return (FigureFile.Exclusive(() => SKBitmap.Decode(png)), XDocument.Load(svg), Pixel, multiplot);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string Hex(Color c) => string.Create(CultureInfo.InvariantCulture, $"#{c.R:X2}{c.G:X2}{c.B:X2}");

    /// <summary>Checks each cell at four points inside it, away from its centred label: the pixel is the cell's colour.</summary>
    private static void AssertEveryCellColoured(IReadOnlyList<AccuracyPanel> panels, SKBitmap png, Func<int, double, double, (int X, int Y)> pixel)
    {
        for (int p = 0; p < panels.Count; p++)
        {
            var panel = panels[p];
            int rows = panel.Defences.Count;
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < panel.Attacks.Count; c++)
                {
                    double v = panel.Mean[r, c];
                    var expected = double.IsFinite(v) ? SweepHeatmap.Scale.ColorOf(100 * v) : SweepHeatmap.MissingColor;
                    Assert.NotEqual(Colors.White, expected);
                    foreach (var (dx, dy) in new[] { (0.15, 0.2), (0.85, 0.2), (0.15, 0.8), (0.85, 0.8) })
                    {
                        var (x, y) = pixel(p, c + dx, rows - r - 1 + dy);
                        var actual = png.GetPixel(x, y);
                        Assert.True(actual.Red == expected.R && actual.Green == expected.G && actual.Blue == expected.B,
                            $"panel {p}, {panel.Defences[r]} × {panel.Attacks[c]} at ({x}, {y}): {actual}, expected {Hex(expected)}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Render_SingleAttack_EveryCellColoured()
    {
        string[] defences = ["mean", "median", "krum:f=2"];
        AccuracyPanel[] panels =
        [
            Panel("1", defences, ["sign-flip:s=4"], (d, _) => 0.85 + 0.03 * d),
            Panel("2", defences, ["sign-flip:s=4"], (d, _) => d == 0 ? 0.013 : 0.9),
        ];
        var (png, svg, pixel, _) = Render(panels);
        AssertEveryCellColoured(panels, png, pixel);
        // The SVG draws the same cells as vector rectangles.
        var fills = svg.Descendants().Where(e => e.Name.LocalName == "rect").Select(e => (string?)e.Attribute("fill")).ToHashSet();
        foreach (var panel in panels)
        {
            foreach (double v in panel.Mean) Assert.Contains(Hex(SweepHeatmap.Scale.ColorOf(100 * v)), fills);
        }
    }

    [Fact]
    public void Render_SingleDefence_EveryCellColoured()
    {
        AccuracyPanel[] panels = [Panel("2", ["median"], ["none", "sign-flip:s=4", "alie"], (_, a) => 0.3 * a + 0.05)];
        var (png, _, pixel, _) = Render(panels);
        AssertEveryCellColoured(panels, png, pixel);
    }

    [Fact]
    public void Render_SeveralAttacks_EveryCellColoured_MissingCellGrey()
    {
        string[] defences = ["mean", "median"];
        string[] attacks = ["none", "sign-flip:s=4", "label-flip", "alie"];
        AccuracyPanel[] panels = [Panel("2", defences, attacks, (d, a) => d == 1 && a == 2 ? double.NaN : 0.1 + 0.1 * a + 0.4 * d)];
        var (png, _, pixel, figure) = Render(panels);
        AssertEveryCellColoured(panels, png, pixel);
        var labels = figure.GetPlot(0).GetPlottables().OfType<ScottPlot.Plottables.Text>().Select(t => t.LabelText).ToList();
        Assert.Equal(["10.0", "20.0", "30.0", "40.0", "50.0", "60.0", "n/a", "80.0"], labels);
    }

    [Fact]
    public void Save_SvgParsesAndCarriesTheTitle_PngIsOpaque()
    {
        AccuracyPanel[] panels = [Panel("1", ["mean", "median"], ["sign-flip:s=4", "alie"], (d, a) => 0.5 + 0.1 * d + 0.2 * a)];
        var (png, svg, _, _) = Render(panels);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        string text = string.Join("\n", svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()));
        Assert.Contains("tiny: final test accuracy (%), mean of 2 seeds", text, StringComparison.Ordinal);
        Assert.Contains("sign-flip:s=4", text, StringComparison.Ordinal);
        // The title band is white, not transparent: the figure reads the same on a dark page.
        Assert.Equal(SKColors.White, png.GetPixel(2, 2));
        Assert.Equal(SKColors.White, png.GetPixel(png.Width - 3, png.Height - 3));
        // Every reference (clip paths, the colour bar's image) names an element of the file, after renumbering.
        var ids = svg.Descendants().Select(e => (string?)e.Attribute("id")).Where(i => i is not null).ToHashSet();
        string raw = svg.ToString();
        var references = System.Text.RegularExpressions.Regex.Matches(raw, @"(?:url\(#|href=""#)([^"")]+)").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.Contains(r, ids));
        // Nothing black under the figure: a rectangle without a fill is black in SVG and shows through seams.
        Assert.DoesNotContain(svg.Descendants(), e => e.Name.LocalName == "rect" && e.Attribute("fill") is null && e.Attribute("x") is null);
    }

    [Fact]
    public void Save_TwiceTheSame_ByteIdentical()
    {
        AccuracyPanel[] panels = [Panel("1", ["mean", "median"], ["sign-flip:s=4", "alie"], (d, a) => 0.5 + 0.1 * d + 0.2 * a)];
        var plan = SweepPlan.Create(Grid, SweepFixtures.Version);
        string dir = Directory.CreateTempSubdirectory("simbyz-heatmap-").FullName;
        try
        {
            string Path(string name) => System.IO.Path.Combine(dir, name);
            SweepHeatmap.Save(plan, panels, Path("a.png"), Path("a.svg"));
            SweepHeatmap.Save(plan, panels, Path("b.png"), Path("b.svg"));
            Assert.Equal(File.ReadAllBytes(Path("a.png")), File.ReadAllBytes(Path("b.png")));
            Assert.Equal(File.ReadAllBytes(Path("a.svg")), File.ReadAllBytes(Path("b.svg")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
