using System.Text;
using ScottPlot;
using SimByz.Cli.Plotting;
using SimByz.Simulator.Reproductions;
using SimByz.Simulator.Sweeps;
using SkiaSharp;
using SimByz.Tests.Unit.Support;
using Xunit;

namespace SimByz.Tests.Unit.Cli.Plotting;

/// <summary>
/// The marker renderers that keep their path alive while Skia draws it (<see cref="PathMarkers"/>): every figure uses
/// them for every shape ScottPlot draws as a path, they draw the same bytes as ScottPlot's own, and they survive
/// collections forced while they draw (ScottPlot 5.1.59's own renderers segfault there without tiered compilation:
/// docs/ARCHITECTURE.md).
/// </summary>
public class PathMarkersTests
{
    public static TheoryData<MarkerShape> KeptShapes() => [.. PathMarkers.Shapes];

    /// <summary>Install gives every marker of the figure style's path shapes its kept renderer, in plottables and
    /// legends, leaves the pathless ones to ScottPlot and a renderer already set as it is.</summary>
    [Fact]
    public void Install_EveryShapeOfTheFigureStyle_PathlessOrKept_AndAnEarlierRendererStays()
    {
        var multiplot = FigureFile.Exclusive(() =>
        {
            var m = new Multiplot();
            var plot = m.GetPlot(0);
            for (int k = 0; k < FigureStyle.Markers.Length; k++)
                plot.Add.Scatter(new double[] { k }, new double[] { k }).MarkerShape = FigureStyle.MarkerOf(k);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "manual", MarkerShape = MarkerShape.Cross });
            plot.Add.Markers(new double[] { 1 }, new double[] { 1 }, MarkerShape.Eks, 5, Colors.Red).MarkerStyle.CustomRenderer = PathMarkers.For(MarkerShape.Asterisk);
            PathMarkers.Install(m);
            return m;
        });
        var styles = PathMarkers.Styles(multiplot).ToList();
        Assert.Equal(2 * (FigureStyle.Markers.Length + 1) + 1, styles.Count);
        foreach (var style in styles)
        {
            if (style.Shape == MarkerShape.Eks && style.CustomRenderer == PathMarkers.For(MarkerShape.Asterisk)) continue;
            if (PathMarkers.Pathless.Contains(style.Shape)) Assert.Null(style.CustomRenderer);
            else Assert.Same(PathMarkers.For(style.Shape), style.CustomRenderer);
        }
        Assert.Equal(2, styles.Count(s => s.Shape == MarkerShape.Eks && s.CustomRenderer == PathMarkers.For(MarkerShape.Asterisk)));
        Assert.Equal(6, FigureStyle.Markers.Count(s => !PathMarkers.Pathless.Contains(s)));
    }

    [Fact]
    public void Install_APathShapeWithoutAKeptRenderer_Throws()
    {
        var multiplot = FigureFile.Exclusive(() =>
        {
            var m = new Multiplot();
            m.GetPlot(0).Add.Scatter(new double[] { 1 }, new double[] { 1 }).MarkerShape = MarkerShape.TriUp;
            return m;
        });
        Assert.Throws<ArgumentException>(() => PathMarkers.Install(multiplot));
    }

    [Fact]
    public void For_APathShapeWithoutAKeptRenderer_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => PathMarkers.For(MarkerShape.TriUp));
        Assert.Contains("TriUp", e.Message, StringComparison.Ordinal);
        Assert.Null(PathMarkers.For(MarkerShape.FilledCircle));
    }

    /// <summary>
    /// Each kept renderer draws what ScottPlot's renderer of the shape draws, pixel for pixel on a raster canvas and
    /// byte for byte on the SVG canvas, over sizes, fractional centres, colours and outline widths as figures use them.
    /// </summary>
    [Theory]
    [MemberData(nameof(KeptShapes))]
    public void KeptRenderer_DrawsScottPlotsBytes(MarkerShape shape)
    {
        var (ownPixels, ownSvg) = FigureFile.Exclusive(() => WithoutCollections(() => DrawGrid(shape, kept: false)));
        var (keptPixels, keptSvg) = FigureFile.Exclusive(() => DrawGrid(shape, kept: true));
        Assert.True(ownPixels.Any(b => b != 255), "the reference drew nothing on the white canvas");
        Assert.Equal(ownPixels, keptPixels);
        Assert.Contains("<path", ownSvg, StringComparison.Ordinal);
        Assert.Equal(ownSvg, keptSvg);
    }

    /// <summary>
    /// Runs <paramref name="draw"/> in a region without collections where the runtime grants one: ScottPlot's own
    /// renderers, drawn here as the reference, are the ones that lose their path to a collection from another thread.
    /// If the test host's other threads allocate past the region's budget a collection happens anyway (the region then
    /// ends by itself), which is no worse than drawing without it.
    /// </summary>
    private static T WithoutCollections<T>(Func<T> draw)
    {
        bool region;
        try
        {
            region = GC.TryStartNoGCRegion(16L << 20);
        }
        catch (ArgumentOutOfRangeException)
        {
            region = false; // more than the runtime grants here (a small memory limit): draw without the region
        }
        try
        {
            return draw();
        }
        finally
        {
            if (region)
            {
                try
                {
                    GC.EndNoGCRegion();
                }
                catch (InvalidOperationException)
                {
                    // The region had already ended (another thread's allocations went past its budget): nothing to end.
                }
            }
        }
    }

    private static (byte[] Pixels, string Svg) DrawGrid(MarkerShape shape, bool kept)
    {
        const int Width = 160, Height = 120;
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))!;
        Draw(surface.Canvas, shape, kept);
        using var image = surface.Snapshot();
        var pixels = new byte[Width * Height * 4];
        using (var pixmap = image.PeekPixels()) pixmap.GetPixelSpan().CopyTo(pixels);
        using var svg = new MemoryStream();
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, Height), svg)) Draw(canvas, shape, kept);
        return (pixels, Encoding.UTF8.GetString(svg.ToArray()));
    }

    private static void Draw(SKCanvas canvas, MarkerShape shape, bool kept)
    {
        float[] sizes = [7, 8, 9, 11, 30.5f];
        float[] widths = [0, 1, 2];
        using var paint = Paint.NewDisposablePaint();
        canvas.Clear(SKColors.White);
        for (int i = 0; i < sizes.Length; i++)
        {
            for (int j = 0; j < widths.Length; j++)
            {
                var style = new MarkerStyle(shape, sizes[i])
                {
                    FillColor = FigureStyle.ColorOf(i + j + 1),
                    LineColor = FigureStyle.ColorOf(i + 2 * j + 2),
                    LineWidth = widths[j],
                    OutlineColor = FigureStyle.ColorOf(i + 3 * j + 3),
                    OutlineWidth = widths[widths.Length - 1 - j],
                    CustomRenderer = kept ? PathMarkers.For(shape) : null,
                };
                Drawing.DrawMarker(canvas, paint, new Pixel(12.3f + 30 * i, 17.7f + 38 * j), style);
            }
        }
    }

    /// <summary>
    /// Every path-shaped marker of the figure style, with its kept renderer (<see cref="PathMarkers.For"/>), drawn on
    /// an SVG canvas whose stream forces a full collection and runs the finalizers at each write. Skia's SVG writer
    /// writes a path element's opening (tag, paint) before it reads the path, so a path whose managed object is garbage
    /// by then is deleted under Skia's feet and Skia reads the freed memory. With ScottPlot 5.1.59's own renderers a test
    /// host without tiered compilation segfaults here, at libSkiaSharp's offset 0xcddf3 like the CI crashes (checked with
    /// the renderers left null); with the kept renderers the path lives until after its draw.
    /// </summary>
    /// <remarks>
    /// A method the JIT has not optimized keeps its locals alive to its end, so in the usual tiered test host the
    /// renderers' callers may still hold the path and this test cannot tell a kept renderer from ScottPlot's (with
    /// ScottPlot's it passed there 3 times in 3). <c>scripts/test</c> runs it again with
    /// <c>DOTNET_TieredCompilation=0</c>, where every method is optimized from its first call: that pass is the guard.
    /// A freed path read without a fault would show as an SVG different from the one drawn without collections.
    /// Under the figure lock, so no other figure is drawn meanwhile.
    /// </remarks>
    [Fact]
    public void KeptRenderers_CollectionsForcedInsideTheDraw_PathsSurvive()
    {
        const int Rounds = 3;
        var (collections, svg, quiet) = FigureFile.Exclusive(() =>
        {
            var styles = Enumerable.Range(0, FigureStyle.Markers.Length)
                .Where(k => !PathMarkers.Pathless.Contains(FigureStyle.MarkerOf(k)))
                .Select(k =>
                {
                    var shape = FigureStyle.MarkerOf(k);
                    return new MarkerStyle(shape, 20, Colors.Orange) { LineWidth = 2, OutlineWidth = 1, CustomRenderer = PathMarkers.For(shape) };
                }).ToArray();
            using var paint = Paint.NewDisposablePaint();
            string Draw(CollectingStream stream)
            {
                using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, 100, 100), stream))
                {
                    for (int round = 0; round < Rounds; round++)
                        foreach (var style in styles) Drawing.DrawMarker(canvas, paint, new Pixel(50, 50), style);
                }
                return Encoding.UTF8.GetString(stream.ToArray());
            }
            var armed = new CollectingStream { Armed = true };
            string collected = Draw(armed);
            return (armed.Collections, collected, Draw(new CollectingStream()));
        });
        // Triangles draw two elements (fill, outline), the other four shapes one: 8 per round, each with its collection.
        Assert.Equal(Rounds * 8, System.Text.RegularExpressions.Regex.Count(svg, "<path "));
        Assert.Equal(Rounds * 8, collections);
        Assert.Equal(quiet, svg);
    }

    /// <summary>
    /// Every kind of figure SimByz draws (a reproduction's chart with ten series, a run's two panels with ten defences, a
    /// sweep's whiskers and heatmap with its colour bar), drawn on the SVG canvas as <see cref="FigureFile"/> draws it,
    /// with a collection forced and the finalizers run at each element Skia starts to write: a Skia object of the drawing
    /// that is garbage while Skia still uses it (the markers' paths were) and still young is freed there, and the SVG
    /// would differ or the host crash. Collections of the young generations only (an object made for one draw call is
    /// young; one that survived two collections is not collected here), so that the test stays quick in a large test
    /// host; <c>scripts/test</c> runs it again without tiered compilation. The PNG pass offers no callback and is not
    /// covered.
    /// </summary>
    [Fact]
    public void EveryFigureKind_CollectionsForcedAtEveryElement_Survive()
    {
        double[] x = [1, 2, 3];
        var chart = new ChartFigure("ten", "ten series", [new ChartPanel("ten", "x", "y",
        [
            .. Enumerable.Range(0, 10).Select(k => new ChartSeries($"s{k}", x, [k, k + 1, k + 2], k % 2 == 0 ? SeriesStyle.Line : SeriesStyle.Markers)),
            new ChartSeries("zero", x, [0, 0, 0], SeriesStyle.HorizontalLine),
        ])]);
        var runs = Enumerable.Range(0, 10).Select(d => FigureFixtures.RunResult($"d{d}", i => 2.3 - 0.01 * (d + 1) * i)).ToArray();
        string[] defences = ["mean", "median", "krum:f=2", "zeno"];
        AccuracyPanel[] panels = [SweepHeatmapTests.Panel("1", defences, ["none", "sign-flip:s=4"], (d, a) => 0.2 * d + 0.1 * a)];
        var figures = new (string Name, Func<Multiplot> Build)[]
        {
            ("chart", () => ChartPlots.Build(chart)),
            ("run", () => RunPlots.Build(runs, FigureXAxis.Steps).Multiplot),
            ("whiskers", () => SweepWhiskers.Build(SweepHeatmapTests.Grid, panels)),
            ("heatmap", () => SweepHeatmap.Build(SweepHeatmapTests.Grid, panels)),
        };
        foreach (var (name, build) in figures)
        {
            var (collections, svg, quiet) = FigureFile.Exclusive(() =>
            {
                var multiplot = build();
                string Draw(CollectingStream stream)
                {
                    FigureFile.DrawSvg(multiplot, name, "collections forced", 640, 480, FigureFile.BandHeight(name, "collections forced"), stream);
                    return FigureFile.StableIds(Encoding.UTF8.GetString(stream.ToArray()));
                }
                // A multiplot's first drawing differs from the next ones (ScottPlot settles its layout then), and
                // FigureFile draws the SVG second, after the PNG: so one drawing first, then the two compared.
                _ = Draw(new CollectingStream());
                string quiet = Draw(new CollectingStream());
                var armed = new CollectingStream(everyElement: true) { Armed = true };
                string collected = Draw(armed);
                return (armed.Collections, collected, quiet);
            });
            var doc = System.Xml.Linq.XDocument.Parse(svg);
            int elements = doc.Descendants().Count();
            Assert.True(elements > 50, $"{name}: only {elements} elements");
            // One collection per element, the root <svg> included: each element's name is a write of its own after "<".
            Assert.Equal((name, elements), (name, collections));
            Assert.Equal(quiet, svg);
        }
    }

    /// <summary>
    /// A memory stream that, while armed, forces a collection and runs the finalizers when Skia's SVG writer has written
    /// an element's name (a write of its own, right after "&lt;"), which it does before it reads what the element
    /// draws: only path elements, with a full collection, or every element, with a collection of the young generations.
    /// </summary>
    private sealed class CollectingStream(bool everyElement = false) : MemoryStream
    {
        private bool _afterOpening;

        public bool Armed { get; set; }

        public int Collections { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            Collect(buffer.AsSpan(offset, count));
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            base.Write(buffer);
            Collect(buffer);
        }

        private void Collect(ReadOnlySpan<byte> written)
        {
            bool elementName = _afterOpening;
            _afterOpening = written.SequenceEqual("<"u8);
            if (!Armed || !elementName) return;
            if (everyElement) GC.Collect(1);
            else if (written.SequenceEqual("path"u8)) GC.Collect();
            else return;
            GC.WaitForPendingFinalizers();
            Collections++;
        }
    }
}
