namespace SimByz.Attacks;

/// <summary>What the messages of a burst carry.</summary>
public enum BurstMode
{
    /// <summary>One crafted row, sent k times.</summary>
    Copies,

    /// <summary>k rows crafted together (the gradient attack is asked for k rows), one per message.</summary>
    Distinct,
}
