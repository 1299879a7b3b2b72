using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using SimByz.Specs;

namespace SimByz.Simulator.Composition;

/// <summary>
/// What a plug-in's <see cref="ISimByzPlugin.Register"/> adds components through, one method per kind.
/// Every factory reads its parameters through <see cref="SpecParameters"/> (unknown keys are then
/// rejected for it) and is called once per run, so stateful components are never shared.
/// </summary>
/// <remarks>Not thread-safe; used by <see cref="PluginLoader"/> while it loads one plug-in.</remarks>
public sealed class PluginRegistrar
{
    private readonly List<string> _added = [];

    internal PluginRegistrar(ComponentCatalogs catalogs, ComponentOrigin origin)
    {
        Catalogs = catalogs;
        Origin = origin;
    }

    /// <summary>The catalogues with everything added so far.</summary>
    public ComponentCatalogs Catalogs { get; private set; }

    /// <summary>The plug-in being registered.</summary>
    public ComponentOrigin Origin { get; }

    internal IReadOnlyList<string> Added => _added;

    /// <summary>Adds a synchronous aggregation rule (implement <see cref="IAggregator"/>, and its
    /// <see cref="IAggregator.CheckTolerance"/> when it has a condition on n). The factory makes a new instance per
    /// use; one that also implements <see cref="IDisposable"/> is disposed when its run ends or its spec has been
    /// checked, so it must not share what it disposes with other instances.</summary>
    public PluginRegistrar AddRule(ComponentInfo info, Func<SpecParameters, AggregatorBuildContext, IAggregator> factory)
        => Set(c => c with { Aggregators = c.Aggregators with { Rules = c.Aggregators.Rules.Add(Entry(info, factory)) } }, "rule", info);

    /// <summary>Adds a pre-aggregator: the factory returns the wrapper it puts around the rule after it in a chain.</summary>
    public PluginRegistrar AddPreAggregator(ComponentInfo info, Func<SpecParameters, AggregatorBuildContext, Func<IAggregator, IAggregator>> factory)
        => Set(c => c with { Aggregators = c.Aggregators with { PreAggregators = c.Aggregators.PreAggregators.Add(Entry(info, factory)) } }, "pre-aggregator", info);

    /// <summary>Adds an asynchronous rule (decides per message).</summary>
    public PluginRegistrar AddAsyncRule(ComponentInfo info, Func<SpecParameters, AggregatorBuildContext, IAsyncAggregator> factory)
        => Set(c => c with { Aggregators = c.Aggregators with { AsyncRules = c.Aggregators.AsyncRules.Add(Entry(info, factory)) } }, "async rule", info);

    /// <summary>Adds a gradient attack (what Byzantine workers send).</summary>
    public PluginRegistrar AddGradientAttack(ComponentInfo info, Func<SpecParameters, AttackBuildContext, IGradientAttack> factory)
        => Set(c => c with { Attacks = c.Attacks with { Gradient = c.Attacks.Gradient.Add(Entry(info, factory)) } }, "attack", info);

    /// <summary>Adds a data attack (what Byzantine workers train on).</summary>
    public PluginRegistrar AddDataAttack(ComponentInfo info, Func<SpecParameters, AttackBuildContext, IDataAttack> factory)
        => Set(c => c with { Attacks = c.Attacks with { Data = c.Attacks.Data.Add(Entry(info, factory)) } }, "data attack", info);

    /// <summary>Adds an asynchronous behaviour (timing of Byzantine messages).</summary>
    public PluginRegistrar AddAsyncBehaviour(ComponentInfo info, Func<SpecParameters, AttackBuildContext, IAsyncBehaviour> factory)
        => Set(c => c with { Attacks = c.Attacks with { AsyncBehaviours = c.Attacks.AsyncBehaviours.Add(Entry(info, factory)) } }, "async behaviour", info);

    /// <summary>
    /// Adds a delay model. The factory gets the model after it in a chain (null when last): wrap a
    /// leaf with <see cref="DelayModelCatalog.Leaf"/> and return <see cref="CustomDelayOptions"/>.
    /// </summary>
    public PluginRegistrar AddDelayModel(ComponentInfo info, Func<SpecParameters, DelayModelOptions?, DelayModelOptions> factory)
        => Set(c => c with { Delays = c.Delays.Add(Entry(info, factory)) }, "delay model", info);

    /// <summary>Adds a model: the factory reads the spec and returns a <see cref="ModelFactory"/> for the data's shape.</summary>
    public PluginRegistrar AddModel(ComponentInfo info, Func<SpecParameters, ModelFactory> factory)
        => Set(c => c with { Models = c.Models.Add(Entry<NoContext, ModelFactory>(info, (p, _) => factory(p))) }, "model", info);

    /// <summary>Adds a data source: the factory reads the spec and returns a <see cref="DataLoader"/> (deterministic in the seed).</summary>
    public PluginRegistrar AddDataSource(ComponentInfo info, Func<SpecParameters, DataLoader> factory)
        => Set(c => c with { DataSources = c.DataSources.Add(Entry<NoContext, DataLoader>(info, (p, _) => factory(p))) }, "data source", info);

    private CatalogEntry<TContext, T> Entry<TContext, T>(ComponentInfo info, Func<SpecParameters, TContext, T> factory)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(factory);
        return new CatalogEntry<TContext, T>(info, factory, Origin);
    }

    private PluginRegistrar Set(Func<ComponentCatalogs, ComponentCatalogs> add, string kind, ComponentInfo info)
    {
        Catalogs = add(Catalogs);
        _added.Add(kind + " " + info.Name);
        return this;
    }
}
