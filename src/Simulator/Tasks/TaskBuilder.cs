using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Partitioning;

namespace SimByz.Simulator.Tasks;

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
            RandomStreams.Derive(definition.Seed, StreamPurpose.Partition, 0), definition.WithoutData);
        var test = loaded.Test ?? train.Select(partition.Test.Span);
        if (test.Count == 0) throw new SimByzException($"task: the test set of '{definition.Data}' is empty");
        var initial = new float[model.ParameterCount];
        model.Initialize(initial, RandomStreams.Derive(definition.Seed, StreamPurpose.ModelInit, 0));
        string description = $"{loaded.Description}; model {model.Spec} ({model.ParameterCount} parameters); partition {definition.Partition} over {definition.Workers} workers{(definition.WithoutData is null ? "" : " (honest workers only)")}, {partition.Validation.Length} validation rows, {test.Count} test rows";
        return new BuiltTask(definition, model, train, test, partition, initial, description);
    }
}
