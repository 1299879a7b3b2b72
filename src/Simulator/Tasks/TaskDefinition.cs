using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Partitioning;

namespace SimByz.Simulator.Tasks;

/// <summary>
/// A learning task as a scenario describes it: data source, model, number of workers, how the
/// training data is split among them, the server's validation set, the test set and the seed.
/// Immutable; every field is validated on construction (specs parsed, sizes checked) so a bad
/// scenario fails before anything is loaded.
/// </summary>
/// <remarks>
/// <para>Examples: data <c>gaussian-mixture:classes=10,features=20,train=20000,test=2000,separation=3</c>,
/// <c>linear-teacher:features=20,noise=0.1</c>, <c>quadratic:features=10</c>,
/// <c>fashion-mnist:limit=10000</c>, <c>idx:images=PATH,labels=PATH</c>, <c>cifar10:path=DIR</c>
/// (<see cref="DataSourceCatalog"/>); model <c>softmax</c>, <c>mlp:hidden=128;64</c>
/// (<see cref="ModelCatalog"/>); partition <c>iid</c>, <c>dirichlet:alpha=0.5</c>, <c>shards:k=2</c>
/// (<see cref="PartitionSpec"/>).</para>
/// <para>Defaults: partition <c>iid</c>, validation none, test none (the source's own test set).
/// <see cref="Test"/> is a split off the training data for sources without a test set (an
/// <c>idx</c> source without test files, or a synthetic source with <c>test=0</c>); giving both is
/// an error. The seed feeds data generation (purpose data.generate), the partition
/// (data.partition) and the initial parameters (model.init).</para>
/// <para><see cref="DataHolders"/> (default <see cref="SimByz.Simulator.Data.Partitioning.DataHolders.All"/>) with
/// <see cref="Byzantine"/> says which workers the pool is split among: with
/// <see cref="SimByz.Simulator.Data.Partitioning.DataHolders.Honest"/> the Byzantine workers hold no rows.</para>
/// </remarks>
public sealed record TaskDefinition
{
    public TaskDefinition(string data, string model, int workers, string partition = "iid", SplitSize validation = default, SplitSize test = default, ulong seed = 0,
        Composition.ComponentCatalogs? catalogs = null, DataHolders dataHolders = DataHolders.All, IReadOnlyList<bool>? byzantine = null)
    {
        catalogs ??= Composition.ComponentCatalogs.BuiltIn;
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        DataSourceCatalog.Validate(data, catalogs.DataSources);
        ModelCatalog.Validate(model, catalogs.Models);
        if (workers < 1) throw new SimByzException($"task: workers={workers} is invalid: expected an integer ≥ 1");
        Data = data.Trim();
        Model = model.Trim();
        Workers = workers;
        Partition = PartitionSpec.Parse(partition);
        Validation = validation;
        Test = test;
        Seed = seed;
        if (byzantine is not null && byzantine.Count != workers) throw new SimByzException($"task: {byzantine.Count} Byzantine flags for {workers} workers");
        DataHolders = dataHolders;
        Byzantine = byzantine?.ToArray() ?? [];
    }

    /// <summary>Which workers hold training rows (default every worker).</summary>
    public DataHolders DataHolders { get; }

    /// <summary>Per worker, whether it is Byzantine (empty: none is); used by <see cref="DataHolders"/> Honest.</summary>
    public IReadOnlyList<bool> Byzantine { get; }

    /// <summary>Per worker, whether it holds no rows; null when every worker holds data.</summary>
    internal IReadOnlyList<bool>? WithoutData => DataHolders == DataHolders.Honest && Byzantine.Count == Workers && Byzantine.Contains(true) ? Byzantine : null;

    /// <summary>
    /// The definition from scenario text: <paramref name="validation"/> and <paramref name="test"/> as
    /// a count (<c>500</c>) or a fraction (<c>0.05</c>), <c>"0"</c> for none (see <see cref="SplitSize.Parse"/>).
    /// </summary>
    /// <exception cref="SimByzException">Any field invalid; the message names it.</exception>
    public static TaskDefinition Parse(string data, string model, int workers, string partition = "iid", string validation = "0", string test = "0", ulong seed = 0)
        => new(data, model, workers, partition, SplitSize.Parse(validation, "task validation size"), SplitSize.Parse(test, "task test size"), seed);

    /// <summary>The data source spec.</summary>
    public string Data { get; }

    /// <summary>The model spec.</summary>
    public string Model { get; }

    /// <summary>Number of workers n (honest and Byzantine), each with its own shard.</summary>
    public int Workers { get; }

    /// <summary>How the training rows are divided among the workers.</summary>
    public PartitionSpec Partition { get; }

    /// <summary>The server's validation set, disjoint from every shard (count or fraction of the training rows).</summary>
    public SplitSize Validation { get; }

    /// <summary>A test set split off the training rows, for sources without their own (else none).</summary>
    public SplitSize Test { get; }

    /// <summary>The root seed.</summary>
    public ulong Seed { get; }
}
