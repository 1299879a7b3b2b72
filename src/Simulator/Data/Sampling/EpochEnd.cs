namespace SimByz.Simulator.Data.Sampling;

/// <summary>What a sampler does with the rows left at the end of an epoch that cannot fill a batch.</summary>
public enum EpochEnd
{
    /// <summary>
    /// Drop them and reshuffle (as PyTorch's <c>DataLoader(shuffle=True, drop_last=True)</c>): every
    /// batch holds distinct rows. The default.
    /// </summary>
    DropLast,

    /// <summary>
    /// Carry them into the next batch, completed from the next epoch's permutation: every row is used
    /// exactly once per epoch, and a batch straddling two epochs may hold a row twice.
    /// </summary>
    Straddle,
}
