namespace SimByz.Simulator.Data.Partitioning;

/// <summary>How the training rows are divided among the workers.</summary>
public enum PartitionScheme
{
    /// <summary>Seeded shuffle, then contiguous near-equal chunks.</summary>
    Iid,

    /// <summary>Label skew from Dirichlet draws (see <see cref="DirichletVariant"/>).</summary>
    Dirichlet,

    /// <summary>McMahan et al. 2017 shards: sort by label, cut into n·k shards, k per worker.</summary>
    Shards,
}
