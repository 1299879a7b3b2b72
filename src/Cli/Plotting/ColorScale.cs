using ScottPlot;

namespace SimByz.Cli.Plotting;

/// <summary>A colour map over a fixed range, for a colour bar whose cells are drawn as rectangles rather than by a
/// ScottPlot heatmap.</summary>
/// <param name="Colormap">The colour map.</param>
/// <param name="Range">The values mapped to its two ends.</param>
internal sealed record ColorScale(IColormap Colormap, ScottPlot.Range Range) : IHasColorAxis
{
    /// <inheritdoc/>
    public ScottPlot.Range GetRange() => Range;

    /// <summary>The colour of <paramref name="value"/> (clamped to the range).</summary>
    public Color ColorOf(double value) => Colormap.GetColor(value, Range);
}
