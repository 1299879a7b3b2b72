namespace SimByz.Simulator.Data.Partitioning;

/// <summary>Which workers the training pool is split among (scenario field <c>task.dataHolders</c>).</summary>
public enum DataHolders
{
    /// <summary>Every worker, honest or Byzantine, gets a shard (SimByz's default).</summary>
    All,

    /// <summary>
    /// Only the honest workers get shards: the pool (what is left after the test and validation splits) is cut by
    /// the partition scheme among the n − q honest workers, in worker order, and the Byzantine workers hold no rows.
    /// ByzFL's benchmark does this (its honest clients share the training data after 20 % is held out for
    /// validation: <c>task.validation</c> 0.2). A Byzantine worker then has no gradient of its own, so data attacks
    /// and gradient attacks that start from the worker's own gradient are rejected.
    /// </summary>
    Honest,
}
