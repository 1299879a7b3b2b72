using SimByz.Simulator.Data;

namespace SimByz.Simulator.Scenarios;

/// <summary>The learning task: data source spec, model spec, partition spec and validation-set size.</summary>
/// <remarks>Split sizes are a count (integer) or a fraction of the training rows (a number in (0, 1));
/// a zero test size means the data source's own test set.</remarks>
public sealed record TaskSection(string Data, string Model, string Partition, SplitSize Validation, SplitSize Test);
