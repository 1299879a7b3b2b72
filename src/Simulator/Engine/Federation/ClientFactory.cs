using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;

namespace SimByz.Simulator.Engine.Federation;

/// <summary>
/// Materialises a federated run's clients when they become active: a <see cref="Worker"/> on the client's shard
/// view, with streams keyed by (client, activation), and a model instance from a pool. Models are cloned only when
/// more clients are active at once than ever before, and returned to the pool when a client leaves, so the run
/// holds about as many model copies as it has active clients.
/// </summary>
/// <remarks>Not thread-safe (one run's thread).</remarks>
internal sealed class ClientFactory
{
    private readonly RunSetup _setup;
    private readonly ClientPopulation _population;
    private readonly Dataset _honestData;
    private readonly Func<Dataset> _byzantineData;
    private readonly IModel _prototype;
    private readonly Stack<IModel> _models = new();
    private readonly bool _keepLatest;

    /// <param name="setup">The run's setup (its <see cref="RunSetup.Federation"/> is the population).</param>
    /// <param name="honestData">The training data of honest clients.</param>
    /// <param name="byzantineData">The training data of Byzantine clients (poisoned by a data attack), made on first use.</param>
    /// <param name="prototype">The run's model prototype.</param>
    /// <param name="keepLatest">Honest clients keep a copy of their latest message (only the asynchronous omniscient
    /// attack reads it; see <see cref="Worker"/>); Byzantine clients never do.</param>
    public ClientFactory(RunSetup setup, Dataset honestData, Func<Dataset> byzantineData, IModel prototype, bool keepLatest)
    {
        _keepLatest = keepLatest;
        _setup = setup;
        _population = setup.Federation ?? throw new ArgumentException("the setup is not federated", nameof(setup));
        _honestData = honestData;
        _byzantineData = byzantineData;
        _prototype = prototype;
    }

    /// <summary>The population the clients come from.</summary>
    public ClientPopulation Population => _population;

    /// <summary>Model instances made so far (the most clients ever active at once).</summary>
    public int ModelsMade { get; private set; }

    /// <summary>Client <paramref name="client"/> for its activation <paramref name="activation"/>.</summary>
    public Worker Create(int client, long activation)
    {
        bool byzantine = _population.IsByzantine(client);
        var data = byzantine && _setup.DataAttack is not null ? _byzantineData() : _honestData;
        if (!_models.TryPop(out var model))
        {
            model = _prototype.Clone();
            ModelsMade++;
        }
        return new Worker(client, byzantine, _setup, data, model, _population.ShardOf(client), ClientPopulation.ActivationKey(client, activation),
            keepLatest: _keepLatest && !byzantine);
    }

    /// <summary>Takes back the model of a client that left.</summary>
    public void Release(Worker w) => _models.Push(w.Model);
}
