using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Traces;

/// <summary>One line of the counterfactual comparison: a defence's final metrics, recorded or re-run.</summary>
public sealed record ComparisonRow(string Defence, string Source, long Step, long TimeNs, double TestAccuracy, double TestLoss, double TrainLoss,
    MessageCounts Counts)
{
    // Shorthands for Counts.X, for the replay command's table.
    public long ByzantineApplied => Counts.ByzantineApplied;
    public long ByzantineRejected => Counts.ByzantineRejected;
    public long ByzantineDropped => Counts.ByzantineDropped;
}
