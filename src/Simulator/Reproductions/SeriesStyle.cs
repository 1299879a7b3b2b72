namespace SimByz.Simulator.Reproductions;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>Points joined by lines.</summary>
    Line,

    /// <summary>Points only.</summary>
    Markers,

    /// <summary>A horizontal line at <c>Y[0]</c> across the panel (X unused).</summary>
    HorizontalLine,
}
