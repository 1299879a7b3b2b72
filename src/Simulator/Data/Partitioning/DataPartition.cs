namespace SimByz.Simulator.Data.Partitioning;

/// <summary>
/// The rows of a training set assigned to a held-out test split (when the source has no test set),
/// the server's validation set and the n worker shards: pairwise disjoint, together covering every row.
/// </summary>
/// <remarks>Every row list is sorted ascending. Immutable.</remarks>
public sealed class DataPartition
{
    internal DataPartition(int[] test, int[] validation, int[][] shards)
    {
        Test = test;
        Validation = validation;
        Shards = shards.Select(s => (ReadOnlyMemory<int>)s).ToArray();
    }

    /// <summary>Rows split off as the test set (empty when the source has its own).</summary>
    public ReadOnlyMemory<int> Test { get; }

    /// <summary>The server's validation rows (Zeno's), disjoint from every shard (may be empty).</summary>
    public ReadOnlyMemory<int> Validation { get; }

    /// <summary>Worker i's training rows, for i = 0..n−1; empty only for a worker that holds no data (<see cref="DataHolders.Honest"/>).</summary>
    public IReadOnlyList<ReadOnlyMemory<int>> Shards { get; }
}
