namespace SimByz.Simulator.Engine;

/// <summary>How a sent message ended: every message ends as exactly one of these (DESIGN.md).</summary>
public enum MessageFate
{
    /// <summary>Still in flight (only while the run is going).</summary>
    Pending,

    /// <summary>Used by the server's update.</summary>
    Applied,

    /// <summary>Seen by the defence and not used (score too low, not selected).</summary>
    Rejected,

    /// <summary>Never reached the defence (late for its round, too stale, run ended).</summary>
    Dropped,
}
