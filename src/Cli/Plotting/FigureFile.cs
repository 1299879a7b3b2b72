using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ScottPlot;
using SkiaSharp;

namespace SimByz.Cli.Plotting;

/// <summary>
/// Writes a figure (a <see cref="Multiplot"/> of stacked panels under a title band) as PNG and as SVG, drawn by the
/// same code on a raster and on a vector canvas so that both files show the same figure.
/// </summary>
/// <remarks>The figure title and subtitle are drawn in a band of their own above the panels: a title placed in the
/// first panel's title slot would share it with that panel's own title and run into it.</remarks>
internal static partial class FigureFile
{
    private const float Margin = 8, LineGap = 6;

    private static readonly Lock WarmLock = new();

    /// <summary>
    /// Held while a figure is built, measured or drawn (<see cref="Exclusive{T}"/>): one figure at a time per process. The
    /// CLI draws its figures one after the other anyway; the lock is for a process that draws from several threads, as
    /// the test host does (test classes run in parallel, and the warm-up draws on a pool thread). ScottPlot leaves thread
    /// safety to its caller, and Skia's shared objects (fonts, typefaces) are not safe to use from two threads. The lock
    /// does not cover the finalizer thread, which frees Skia objects that were not disposed: the test host's libSkiaSharp
    /// segfault of sessions 17, 24 and 25 was, almost certainly, a marker's path finalized while Skia drew it, mended by
    /// <see cref="PathMarkers"/> (docs/ARCHITECTURE.md, "Figures and the finalizer").
    /// Reentrant (<see cref="Lock"/>), so a figure's whole making can hold it while its drawing takes it again.
    /// </summary>
    private static readonly Lock RenderLock = new();
    private static Task<bool>? s_warm;

    /// <summary>
    /// Starts drawing a small throwaway figure (320×240, one panel with a line, a title, axis labels and a legend) on a pool thread (once per process), so that what the first figure of a
    /// run otherwise pays at the end of the run — loading Skia's native library and HarfBuzz, finding the fonts,
    /// compiling the drawing code — happens while the run starts up (one core reads the data, the other draws). The
    /// figure is drawn to memory only; nothing is written and nothing it does reaches a result or a figure's bytes
    /// (the real figure is drawn the same way afterwards; <see cref="StableIds"/> already renumbers Skia's
    /// process-wide SVG ids). Any failure is ignored here: the real figure reports it.
    /// </summary>
    public static void StartWarmUp()
    {
        lock (WarmLock)
        {
            s_warm ??= Task.Run(() =>
            {
                try
                {
                    lock (RenderLock)
                    {
                        var multiplot = new Multiplot();
                        multiplot.AddPlots(1);
                        var plot = multiplot.GetPlot(0);
                        plot.Add.Scatter(new double[] { 0, 1, 2 }, new double[] { 1, 0.5, 0.25 });
                        plot.Title("warm-up");
                        plot.XLabel("x");
                        plot.YLabel("y");
                        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "warm-up", LineColor = Colors.Black });
                        _ = RenderAlone(multiplot, "warm-up", null, 320, 240, Stream.Null);
                    }
                    return true;
                }
                catch (Exception)
                {
                    // Drawn again for real later, where a failure is reported.
                    return false;
                }
            });
        }
    }

    /// <summary>Whether the warm-up figure was drawn to the end (null: none started or still drawing); for tests.</summary>
    internal static bool? WarmUpSucceeded
    {
        get
        {
            lock (WarmLock) return s_warm is { IsCompletedSuccessfully: true } w ? w.Result : null;
        }
    }

    /// <summary>Waits for <see cref="StartWarmUp"/>'s figure, if one was started (the real figure is then drawn alone).</summary>
    private static void AwaitWarmUp()
    {
        Task<bool>? warm;
        lock (WarmLock) warm = s_warm;
        if (warm is null) return;
        try
        {
            warm.Wait();
        }
        catch (AggregateException)
        {
            // Cannot happen (the body catches everything); the real figure reports any failure.
        }
    }

    /// <summary>
    /// Runs <paramref name="make"/> with the process's figures to itself: every use of ScottPlot or Skia (building a figure,
    /// drawing it) goes through here or <see cref="Save"/>, which takes it too. Waits for the warm-up figure first (which
    /// takes the lock on its own thread), then holds the lock while <paramref name="make"/> runs.
    /// </summary>
    public static T Exclusive<T>(Func<T> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        // Not when nested: waiting here with the lock held would deadlock with a warm-up started meanwhile (it waits for the lock).
        if (!RenderLock.IsHeldByCurrentThread) AwaitWarmUp();
        lock (RenderLock) return make();
    }

    /// <summary>
    /// Builds the figure (<paramref name="build"/>) and renders it to <paramref name="pngPath"/> and <paramref name="svgPath"/>,
    /// both under the figure lock (<see cref="Exclusive{T}"/>): a caller never holds ScottPlot objects outside it.
    /// </summary>
    public static void Save(Func<Multiplot> build, string title, string? subtitle, int width, int height, string pngPath, string svgPath)
    {
        ArgumentNullException.ThrowIfNull(build);
        string svg = Exclusive(() =>
        {
            var multiplot = build();
            using var png = File.Create(pngPath);
            return RenderAlone(multiplot, title, subtitle, width, height, png);
        });
        File.WriteAllText(svgPath, svg, new UTF8Encoding(false));
    }

    /// <summary>Draws the figure as PNG into <paramref name="png"/>, then on the SVG canvas; returns the SVG's text (ids renumbered). Under the figure lock.</summary>
    private static string RenderAlone(Multiplot multiplot, string title, string? subtitle, int width, int height, Stream png)
    {
        float band = BandHeight(title, subtitle);
        using (var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("could not create a drawing surface"))
        {
            Draw(surface.Canvas, multiplot, title, subtitle, width, height, band);
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            data.SaveTo(png);
        }
        using var svg = new MemoryStream();
        DrawSvg(multiplot, title, subtitle, width, height, band, svg);
        return StableIds(Encoding.UTF8.GetString(svg.GetBuffer(), 0, (int)svg.Length));
    }

    /// <summary>Draws the figure on Skia's SVG canvas into <paramref name="svg"/> (ids as Skia numbers them). Under the figure lock.</summary>
    internal static void DrawSvg(Multiplot multiplot, string title, string? subtitle, int width, int height, float band, Stream svg)
    {
        // Skia's SVG writer has no dash patterns: it draws such lines solid and prints "Unsupported path effect"
        // on standard error for each. Solid lines are drawn for the SVG on purpose (series stay apart by colour
        // and marker), then the patterns are restored.
        var restore = SolidLines(multiplot);
        try
        {
            // The SVG canvas writes its closing tags when disposed, which must happen before the stream is read.
            using var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), svg);
            Draw(canvas, multiplot, title, subtitle, width, height, band);
        }
        finally
        {
            foreach (var undo in restore) undo();
        }
    }

    /// <summary>Sets every non-solid line of <paramref name="multiplot"/>'s plottables and manual legend items to solid;
    /// returns the actions that put each pattern back.</summary>
    internal static List<Action> SolidLines(Multiplot multiplot)
    {
        var restore = new List<Action>();
        foreach (var plot in multiplot.Subplots.GetPlots())
        {
            foreach (var line in plot.GetPlottables().OfType<IHasLine>())
            {
                var style = line.LineStyle;
                var pattern = style.Pattern;
                if (pattern.Equals(LinePattern.Solid)) continue;
                restore.Add(() => style.Pattern = pattern);
                style.Pattern = LinePattern.Solid;
            }
            foreach (var item in plot.Legend.ManualItems)
            {
                var pattern = item.LinePattern;
                if (pattern.Equals(LinePattern.Solid)) continue;
                restore.Add(() => item.LinePattern = pattern);
                item.LinePattern = LinePattern.Solid;
            }
        }
        return restore;
    }

    /// <summary>Renumbers the ids of the SVG's clip paths, images and other resources in order of appearance.</summary>
    /// <remarks>Skia names some of them from counters that live as long as the process, so the same figure drawn twice in
    /// one process (a sweep, then its collect) would differ in its ids; renumbered, the file depends on the figure only.</remarks>
    internal static string StableIds(string svg)
    {
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        return SkiaResourceId().Replace(svg, m =>
        {
            string id = m.Groups["id"].Value;
            if (!renamed.TryGetValue(id, out string? name))
            {
                name = string.Create(CultureInfo.InvariantCulture, $"{m.Groups["kind"].Value}_{renamed.Count}");
                renamed.Add(id, name);
            }
            return m.Groups["before"].Value + name;
        });
    }

    [GeneratedRegex("""(?<before>id="|url\(#|href="#)(?<id>(?<kind>cl|img|gr|path|pattern|cfilter)_[0-9a-f]+)(?=[")])""")]
    private static partial Regex SkiaResourceId();

    internal static float BandHeight(string title, string? subtitle)
    {
        float h = Margin;
        h += title.Split('\n').Length * (FigureStyle.TitleSize * 1.35f);
        if (!string.IsNullOrEmpty(subtitle)) h += LineGap + subtitle.Split('\n').Length * (FigureStyle.SubtitleSize * 1.35f);
        return h + Margin;
    }

    private static void Draw(SKCanvas canvas, Multiplot multiplot, string title, string? subtitle, int width, int height, float band)
    {
        // ScottPlot's own renderers of some marker shapes leave their path unreachable while Skia draws it.
        PathMarkers.Install(multiplot);
        canvas.Clear(SKColors.White);
        // The panels are laid out by the multiplot's layout but rendered one by one, none clearing the canvas:
        // Multiplot.Render (and a plot by default) first clears the whole canvas to transparent black, which would leave
        // the title band transparent in the PNG and, on the SVG canvas, becomes a black rectangle under the figure that
        // shows through the seams between panels.
        // Panels are laid out from the canvas origin, whatever rectangle they are given: shift the canvas instead.
        canvas.Save();
        canvas.Translate(0, band);
        var plots = multiplot.Subplots.GetPlots();
        PixelRect[] rectangles = multiplot.Layout.GetSubplotRectangles(multiplot.Subplots, new PixelRect(0, width, height - band, 0));
        for (int i = 0; i < plots.Length; i++)
        {
            plots[i].RenderManager.ClearCanvasBeforeEachRender = false;
            plots[i].Render(canvas, rectangles[i]);
        }
        canvas.Restore();
        using var paint = Paint.NewDisposablePaint();
        float y = Margin;
        foreach (string line in title.Split('\n'))
        {
            var style = new LabelStyle { FontSize = FigureStyle.TitleSize, Bold = true, Alignment = Alignment.UpperCenter, ForeColor = Colors.Black };
            style.Render(canvas, new Pixel(width / 2f, y), paint, line, false);
            y += FigureStyle.TitleSize * 1.35f;
        }
        if (string.IsNullOrEmpty(subtitle)) return;
        y += LineGap;
        foreach (string line in subtitle.Split('\n'))
        {
            var style = new LabelStyle { FontSize = FigureStyle.SubtitleSize, Alignment = Alignment.UpperCenter, ForeColor = Colors.DimGray };
            style.Render(canvas, new Pixel(width / 2f, y), paint, line, false);
            y += FigureStyle.SubtitleSize * 1.35f;
        }
    }
}
