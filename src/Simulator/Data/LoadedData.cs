namespace SimByz.Simulator.Data;

/// <summary>A data source's output: a training set and, when the source has one, its own test set.</summary>
/// <param name="Train">The training data (partitioned into validation and worker shards).</param>
/// <param name="Test">The source's held-out test set, or null (then a test set is split off the training data).</param>
/// <param name="Description">What was loaded, e.g. "fashion-mnist: 60000 train, 10000 test, 784 features, 10 classes".</param>
public sealed record LoadedData(Dataset Train, Dataset? Test, string Description);
