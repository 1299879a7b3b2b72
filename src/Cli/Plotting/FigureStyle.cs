using ScottPlot;

namespace SimByz.Cli.Plotting;

/// <summary>
/// How the k-th series of a figure is drawn: a colour of the Okabe–Ito palette (distinguishable with every
/// common colour-vision deficiency), a marker shape and a dash pattern. Shapes and patterns cycle with periods
/// (10 and 4) that differ from the palette's (8), so two series that share one attribute differ in another, and
/// curves lying on top of each other remain distinguishable in grey-scale print too.
/// </summary>
internal static class FigureStyle
{
    /// <summary>Okabe &amp; Ito (2008), "Color Universal Design"; yellow last because it is faint on white.</summary>
    internal static readonly Color[] Palette =
    [
        Color.FromHex("#000000"), // black
        Color.FromHex("#E69F00"), // orange
        Color.FromHex("#56B4E9"), // sky blue
        Color.FromHex("#009E73"), // bluish green
        Color.FromHex("#0072B2"), // blue
        Color.FromHex("#D55E00"), // vermillion
        Color.FromHex("#CC79A7"), // reddish purple
        Color.FromHex("#F0E442"), // yellow
    ];

    internal static readonly MarkerShape[] Markers =
    [
        MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.FilledTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Cross,
        MarkerShape.FilledSquare, MarkerShape.OpenCircle, MarkerShape.FilledTriangleDown, MarkerShape.Eks, MarkerShape.Asterisk,
    ];

    internal static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    public static Color ColorOf(int k) => Palette[k % Palette.Length];

    public static MarkerShape MarkerOf(int k) => Markers[k % Markers.Length];

    public static LinePattern PatternOf(int k) => Patterns[k % Patterns.Length];

    /// <summary>The font sizes of a figure (points at the default 96 dpi), set once so every figure looks alike.</summary>
    public const float TitleSize = 18, SubtitleSize = 13, LabelSize = 14, LegendSize = 12;
}
