using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Augmentation;
using SimByz.Simulator.Data.Partitioning;

namespace SimByz.Simulator.Scenarios;

/// <summary>The learning task: data source spec, model spec, partition spec, validation-set size, test-set size,
/// which workers hold data and the workers' data augmentation.</summary>
/// <remarks>Split sizes are a count (integer) or a fraction of the training rows (a number in (0, 1));
/// a zero test size means the data source's own test set. <paramref name="DataHolders"/> defaults to every worker,
/// <paramref name="Augmentation"/> to none.</remarks>
public sealed record TaskSection(string Data, string Model, string Partition, SplitSize Validation, SplitSize Test,
    DataHolders DataHolders = DataHolders.All, AugmentationSpec? Augmentation = null)
{
    /// <summary>The augmentation, <see cref="AugmentationSpec.None"/> when not given.</summary>
    public AugmentationSpec Augmenting => Augmentation ?? AugmentationSpec.None;
}
