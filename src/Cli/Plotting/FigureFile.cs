using ScottPlot;
using SkiaSharp;

namespace SimByz.Cli.Plotting;

/// <summary>
/// Writes a figure (a <see cref="Multiplot"/> of stacked panels under a title band) as PNG and as SVG, drawn by the
/// same code on a raster and on a vector canvas so that both files show the same figure.
/// </summary>
/// <remarks>The figure title and subtitle are drawn in a band of their own above the panels: a title placed in the
/// first panel's title slot would share it with that panel's own title and run into it.</remarks>
internal static class FigureFile
{
    private const float Margin = 8, LineGap = 6;

    /// <summary>Renders <paramref name="multiplot"/> to <paramref name="pngPath"/> and <paramref name="svgPath"/>.</summary>
    public static void Save(Multiplot multiplot, string title, string? subtitle, int width, int height, string pngPath, string svgPath)
    {
        float band = BandHeight(title, subtitle);
        using (var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("could not create a drawing surface"))
        {
            Draw(surface.Canvas, multiplot, title, subtitle, width, height, band);
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            using var png = File.Create(pngPath);
            data.SaveTo(png);
        }
        using var svg = File.Create(svgPath);
        // The SVG canvas writes its closing tags when disposed, which must happen before the stream closes.
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), svg))
        {
            Draw(canvas, multiplot, title, subtitle, width, height, band);
        }
    }

    internal static float BandHeight(string title, string? subtitle)
    {
        float h = Margin;
        h += title.Split('\n').Length * (FigureStyle.TitleSize * 1.35f);
        if (!string.IsNullOrEmpty(subtitle)) h += LineGap + subtitle.Split('\n').Length * (FigureStyle.SubtitleSize * 1.35f);
        return h + Margin;
    }

    private static void Draw(SKCanvas canvas, Multiplot multiplot, string title, string? subtitle, int width, int height, float band)
    {
        canvas.Clear(SKColors.White);
        // Multiplot lays its panels out from the canvas origin, whatever rectangle it is given: shift the canvas instead.
        canvas.Save();
        canvas.Translate(0, band);
        multiplot.Render(canvas, new PixelRect(0, width, height - band, 0));
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
