using ScottPlot;
using SkiaSharp;

namespace SimByz.Cli.Plotting;

/// <summary>
/// Renderers for the marker shapes that ScottPlot draws as a path, which keep that path alive until Skia has drawn it
/// (ScottPlot's own leave it unreachable during its last draw).
/// <see cref="FigureFile"/> installs them on every marker of a figure before drawing it (<see cref="Install"/>); the
/// shapes drawn without a path (circles, squares) keep ScottPlot's own renderers.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> ScottPlot 5.1.59's renderers of these shapes build an <see cref="SKPath"/>, pass it to
/// <see cref="SKCanvas.DrawPath(SKPath, SKPaint)"/> and never touch it again; SkiaSharp 3.119's <c>DrawPath</c> reads the
/// path's native handle and makes no <see cref="GC.KeepAlive"/> after the native call (mono/SkiaSharp#2821, #3393, #4127).
/// From that moment the managed path is garbage: a collection while Skia still draws it (from another thread, or from
/// the SVG writer's own callbacks into managed code) lets the finalizer thread delete the native path under Skia's
/// feet. That is, almost certainly, the test host's segfault of sessions 17, 24 and 25 (libSkiaSharp, offset 0xcddf3, a
/// read through the freed path's <c>SkPathRef</c>): throwaway drivers drawing ScottPlot's renderers under forced
/// collections segfaulted at that instruction, and with these renderers did not (docs/ARCHITECTURE.md, "Figures and
/// the finalizer"). The filled triangles were exposed only when outlined, which SimByz's figures are not; they are
/// kept here all the same.</para>
/// <para><b>What changes.</b> Only the path's lifetime: each renderer here owns its path with <c>using</c>, so the
/// path is reachable until its <c>Dispose</c>, after the last draw. The geometry and the drawing calls are ScottPlot
/// 5.1.59's, to its digits (1.732 for √3, 0.866 for √3/2, 2.828 for 2√2), so every figure's PNG and SVG bytes are the
/// same as drawn by ScottPlot's renderers (<c>PathMarkersTests</c> compares them pixel for pixel and byte for byte).</para>
/// </remarks>
internal static class PathMarkers
{
    private static readonly Dictionary<MarkerShape, IMarker> ByShape = new()
    {
        [MarkerShape.FilledTriangleUp] = new Triangle(pointsUp: true),
        [MarkerShape.FilledTriangleDown] = new Triangle(pointsUp: false),
        [MarkerShape.OpenDiamond] = new OpenDiamond(),
        [MarkerShape.Cross] = new Cross(),
        [MarkerShape.Eks] = new Eks(),
        [MarkerShape.Asterisk] = new Asterisk(),
    };

    /// <summary>Shapes ScottPlot 5.1.59 draws without a path (a circle or a rectangle), safe with its own renderers.</summary>
    internal static readonly IReadOnlySet<MarkerShape> Pathless = new HashSet<MarkerShape>
    {
        MarkerShape.None, MarkerShape.FilledCircle, MarkerShape.OpenCircle, MarkerShape.FilledSquare, MarkerShape.OpenSquare,
    };

    /// <summary>The shapes that have a renderer here.</summary>
    internal static IEnumerable<MarkerShape> Shapes => ByShape.Keys;

    /// <summary>
    /// Every marker style of <paramref name="multiplot"/>'s plots: the plottables' own, their legend items' and the manual
    /// legend items'.
    /// </summary>
    internal static IEnumerable<MarkerStyle> Styles(Multiplot multiplot) =>
        multiplot.Subplots.GetPlots().SelectMany(plot =>
            plot.GetPlottables().OfType<IHasMarker>().Select(p => p.MarkerStyle)
                .Concat(plot.GetPlottables().SelectMany(p => p.LegendItems).Select(i => i.MarkerStyle))
                .Concat(plot.Legend.ManualItems.Select(i => i.MarkerStyle)));

    /// <summary>
    /// Gives every marker of <paramref name="multiplot"/> whose shape ScottPlot draws as a path the renderer here that
    /// keeps the path alive (<see cref="MarkerStyle.CustomRenderer"/>); a marker that already has a renderer keeps it.
    /// <see cref="FigureFile"/> calls it before it draws, so no figure can leave a marker to ScottPlot's renderer.
    /// </summary>
    /// <exception cref="ArgumentException">A marker shape drawn as a path that has no renderer here.</exception>
    public static void Install(Multiplot multiplot)
    {
        ArgumentNullException.ThrowIfNull(multiplot);
        foreach (var style in Styles(multiplot)) style.CustomRenderer ??= For(style.Shape);
    }

    /// <summary>
    /// The renderer that keeps its path alive for <paramref name="shape"/>; null for a shape drawn without a path.
    /// </summary>
    /// <exception cref="ArgumentException">A shape drawn as a path that has no renderer here (a figure must not use it).</exception>
    public static IMarker? For(MarkerShape shape)
    {
        if (ByShape.TryGetValue(shape, out var marker)) return marker;
        if (Pathless.Contains(shape)) return null;
        throw new ArgumentException($"marker shape {shape} is drawn as a path and has no renderer that keeps it alive", nameof(shape));
    }

    /// <summary>A filled triangle of side <c>size</c>, its apex up or down, then its outline.</summary>
    private sealed class Triangle(bool pointsUp) : IMarker
    {
        public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            float radius = (float)(size / 1.732);
            float halfBase = (float)(radius * 0.866);
            float baseDrop = radius / 2;
            float sign = pointsUp ? -1 : 1;
            using var path = new SKPath();
            path.AddPoly(
            [
                new SKPoint(center.X, center.Y + sign * radius),
                new SKPoint(center.X + halfBase, center.Y - sign * baseDrop),
                new SKPoint(center.X - halfBase, center.Y - sign * baseDrop),
            ]);
            Drawing.FillPath(canvas, paint, path, markerStyle.FillStyle, new PixelRect(center, radius));
            Drawing.DrawPath(canvas, paint, path, markerStyle.OutlineStyle);
        }
    }

    /// <summary>The outline of a square of diagonal <c>size</c> standing on a corner.</summary>
    private sealed class OpenDiamond : IMarker
    {
        public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            float r = size / 2;
            using var path = new SKPath();
            path.AddPoly(
            [
                new SKPoint(center.X + r, center.Y),
                new SKPoint(center.X, center.Y + r),
                new SKPoint(center.X - r, center.Y),
                new SKPoint(center.X, center.Y - r),
            ]);
            Drawing.DrawPath(canvas, paint, path, markerStyle.LineStyle);
        }
    }

    /// <summary>A horizontal and a vertical stroke of length <c>size</c> ("+").</summary>
    private sealed class Cross : IMarker
    {
        public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            using var path = new SKPath();
            AddPlus(path, center, size / 2);
            Drawing.DrawPath(canvas, paint, path, markerStyle.LineStyle);
        }
    }

    /// <summary>Two diagonal strokes spanning a square of side <c>size</c> ("×").</summary>
    private sealed class Eks : IMarker
    {
        public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            using var path = new SKPath();
            AddTimes(path, center, size / 2);
            Drawing.DrawPath(canvas, paint, path, markerStyle.LineStyle);
        }
    }

    /// <summary>A "+" of length <c>size</c> and a "×" whose strokes are as long (half-side size / 2.828).</summary>
    private sealed class Asterisk : IMarker
    {
        public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            using var path = new SKPath();
            AddPlus(path, center, size / 2);
            AddTimes(path, center, (float)(size / 2.828));
            Drawing.DrawPath(canvas, paint, path, markerStyle.LineStyle);
        }
    }

    /// <summary>Right to left, then bottom to top (screen y grows downwards), as ScottPlot orders the strokes.</summary>
    private static void AddPlus(SKPath path, Pixel center, float half)
    {
        path.MoveTo(center.X + half, center.Y);
        path.LineTo(center.X - half, center.Y);
        path.MoveTo(center.X, center.Y + half);
        path.LineTo(center.X, center.Y - half);
    }

    /// <summary>Lower right to upper left, then lower left to upper right, as ScottPlot orders the strokes.</summary>
    private static void AddTimes(SKPath path, Pixel center, float half)
    {
        path.MoveTo(center.X + half, center.Y + half);
        path.LineTo(center.X - half, center.Y - half);
        path.MoveTo(center.X - half, center.Y + half);
        path.LineTo(center.X + half, center.Y - half);
    }
}
