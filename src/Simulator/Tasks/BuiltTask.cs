using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Partitioning;
using SimByz.Simulator.Data.Sampling;

namespace SimByz.Simulator.Tasks;

/// <summary>A built task: the model, the datasets, the split and the initial parameters.</summary>
/// <remarks>
/// Immutable after construction; the <see cref="Model"/> instance is a prototype: every consumer
/// (each worker, the server, the oracle) takes its own <see cref="IModel.Clone"/>. Row lists index
/// <see cref="Train"/>, except <see cref="TestRows"/> which indexes <see cref="Test"/>.
/// </remarks>
public sealed class BuiltTask
{
    private readonly float[] _initial;

    internal BuiltTask(TaskDefinition definition, IModel model, Dataset train, Dataset test, DataPartition partition, float[] initial, string description)
    {
        Definition = definition;
        Model = model;
        Train = train;
        Test = test;
        Partition = partition;
        _initial = initial;
        TestRows = DatasetOps.AllRows(test.Count);
        Description = description;
    }

    public TaskDefinition Definition { get; }

    /// <summary>The model prototype (clone it per consumer).</summary>
    public IModel Model { get; }

    /// <summary>The training data: validation rows and worker shards index it.</summary>
    public Dataset Train { get; }

    /// <summary>The held-out test set (the source's, or rows split off the training data and copied).</summary>
    public Dataset Test { get; }

    /// <summary>All rows of <see cref="Test"/>, 0..count−1.</summary>
    public ReadOnlyMemory<int> TestRows { get; }

    /// <summary>The split of <see cref="Train"/>.</summary>
    public DataPartition Partition { get; }

    /// <summary>The server's validation rows of <see cref="Train"/>.</summary>
    public ReadOnlyMemory<int> ValidationRows => Partition.Validation;

    /// <summary>Worker i's rows of <see cref="Train"/>.</summary>
    public IReadOnlyList<ReadOnlyMemory<int>> Shards => Partition.Shards;

    /// <summary>The initial parameters x₀, from stream (seed, model.init, 0).</summary>
    public ReadOnlySpan<float> InitialParameters => _initial;

    /// <summary>One line: what was loaded and how it was split.</summary>
    public string Description { get; }

    /// <summary>Worker <paramref name="workerId"/>'s minibatch sampler over its shard (stream worker.data, worker id).</summary>
    public MinibatchSampler CreateWorkerSampler(int workerId, int batchSize, EpochEnd epochEnd = EpochEnd.DropLast)
        => MinibatchSampler.ForWorker(Definition.Seed, workerId, Shards[workerId].Span, batchSize, epochEnd);

    /// <summary>The server's validation-batch sampler (stream server.validation).</summary>
    /// <exception cref="SimByzException">The task has no validation set.</exception>
    public MinibatchSampler CreateValidationSampler(int batchSize, EpochEnd epochEnd = EpochEnd.DropLast)
    {
        if (ValidationRows.IsEmpty) throw new SimByzException("the task has no validation set (give task validation as a count or fraction, e.g. 0.05); Zeno and Zeno++ need one");
        return MinibatchSampler.ForServerValidation(Definition.Seed, ValidationRows.Span, batchSize, epochEnd);
    }

    /// <summary>A validation oracle over the training data with its own model clone; set its batch before use.</summary>
    public ModelValidationOracle CreateValidationOracle() => new(Model.Clone(), Train);
}
