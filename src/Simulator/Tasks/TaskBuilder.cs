using SimByz.Scheduler;
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

/// <summary>Builds a <see cref="TaskDefinition"/> into a <see cref="BuiltTask"/>.</summary>
/// <remarks>Deterministic: the same definition gives the same data, split and x₀ byte for byte. Thread-safe (no state).</remarks>
public static class TaskBuilder
{
    /// <summary>Loads the data, builds the model, splits the data and draws x₀.</summary>
    /// <param name="definition">The task.</param>
    /// <param name="loadData">Loads (data spec, seed); default <see cref="DataSourceCatalog.Load"/>. A caller
    /// building many tasks over the same data (a sweep) passes a memoizing loader: datasets are immutable.</param>
    /// <exception cref="SimByzException">Missing or malformed data, a model that does not fit the data, impossible sizes.</exception>
    /// <param name="catalogs">Where data source and model names resolve (default: the built-ins).</param>
    public static BuiltTask Build(TaskDefinition definition, Func<string, ulong, LoadedData>? loadData = null, Composition.ComponentCatalogs? catalogs = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        catalogs ??= Composition.ComponentCatalogs.BuiltIn;
        var loaded = loadData is null ? DataSourceCatalog.Load(definition.Data, definition.Seed, catalogs.DataSources) : loadData(definition.Data, definition.Seed);
        var train = loaded.Train;
        if (loaded.Test is not null && !definition.Test.IsZero)
        {
            throw new SimByzException($"task: data '{definition.Data}' has its own test set; remove the test split ({definition.Test}) or limit the source's test set with its parameters");
        }
        if (loaded.Test is null && definition.Test.IsZero)
        {
            throw new SimByzException($"task: data '{definition.Data}' has no test set; give a test split (count or fraction of the training rows, e.g. 0.1)");
        }
        var model = ModelCatalog.Create(definition.Model, train.FeatureCount, train.ClassCount, catalogs.Models);
        var partition = Partitioner.Split(train, definition.Workers, definition.Partition, definition.Validation, definition.Test,
            RandomStreams.Derive(definition.Seed, StreamPurpose.Partition, 0));
        var test = loaded.Test ?? train.Select(partition.Test.Span);
        if (test.Count == 0) throw new SimByzException($"task: the test set of '{definition.Data}' is empty");
        var initial = new float[model.ParameterCount];
        model.Initialize(initial, RandomStreams.Derive(definition.Seed, StreamPurpose.ModelInit, 0));
        string description = $"{loaded.Description}; model {model.Spec} ({model.ParameterCount} parameters); partition {definition.Partition} over {definition.Workers} workers, {partition.Validation.Length} validation rows, {test.Count} test rows";
        return new BuiltTask(definition, model, train, test, partition, initial, description);
    }
}

/// <summary>Closed-form optima of the convex tasks, for convergence checks.</summary>
public static class KnownOptima
{
    /// <summary>The minimizer of the quadratic model's loss over <paramref name="rows"/>: the mean of their points.</summary>
    public static float[] Quadratic(Dataset data, ReadOnlySpan<int> rows) => Models.QuadraticModel.Optimum(data, rows);

    /// <summary>
    /// The minimizer of F(x) = (1/n) Σ_i f_i(x), f_i the quadratic loss over shard i (every worker
    /// weighted equally, as in the distributed objective): the average of the shard means, in float64,
    /// rounded to float32 once.
    /// </summary>
    public static float[] QuadraticWorkerAverage(Dataset data, IReadOnlyList<ReadOnlyMemory<int>> shards)
    {
        if (shards.Count == 0) throw new ArgumentException("no shards", nameof(shards));
        var sum = new double[data.FeatureCount];
        foreach (var shard in shards)
        {
            if (shard.IsEmpty) throw new ArgumentException("empty shard", nameof(shards));
            var shardSum = new double[data.FeatureCount];
            foreach (int r in shard.Span)
            {
                var z = data.Example(r);
                for (int j = 0; j < shardSum.Length; j++) shardSum[j] += z[j];
            }
            for (int j = 0; j < sum.Length; j++) sum[j] += shardSum[j] / shard.Length;
        }
        var x = new float[sum.Length];
        for (int j = 0; j < x.Length; j++) x[j] = (float)(sum[j] / shards.Count);
        return x;
    }
}
