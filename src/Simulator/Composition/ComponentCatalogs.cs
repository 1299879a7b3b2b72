using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using SimByz.Specs;

namespace SimByz.Simulator.Composition;

/// <summary>
/// Every kind of component SimByz resolves by name, each a <see cref="ComponentCatalog{TContext, T}"/>:
/// aggregation rules, pre-aggregators and async rules; gradient attacks, data attacks and async
/// behaviours; delay models; models; data sources.
/// </summary>
/// <param name="Aggregators">Rules (with their tensor twins), pre-aggregators, async rules.</param>
/// <param name="Attacks">Gradient attacks, data attacks, async behaviours.</param>
/// <param name="Delays">Delay models (a factory gets the model after it in a chain, or null).</param>
/// <param name="Models">Models (a factory returns a <see cref="ModelFactory"/> for the data's shape).</param>
/// <param name="DataSources">Data sources (a factory returns a <see cref="DataLoader"/>).</param>
/// <remarks>
/// A value, never global state: <see cref="BuiltIn"/> holds SimByz's own components; the torch
/// backend and plug-ins (<see cref="PluginLoader"/>) extend a copy, which is then passed to whatever
/// resolves a scenario (<see cref="CompositionRoot"/>). Thread-safe (immutable).
/// </remarks>
public sealed record ComponentCatalogs(
    AggregatorCatalog Aggregators,
    AttackCatalog Attacks,
    ComponentCatalog<DelayModelOptions?, DelayModelOptions> Delays,
    ComponentCatalog<NoContext, ModelFactory> Models,
    ComponentCatalog<NoContext, DataLoader> DataSources)
{
    /// <summary>SimByz's built-in components.</summary>
    public static ComponentCatalogs BuiltIn { get; } = new(
        AggregatorCatalog.BuiltIn, AttackCatalog.BuiltIn, DelayModelCatalog.BuiltIn, ModelCatalog.BuiltIn, DataSourceCatalog.BuiltIn);

    /// <summary>Every catalogue with its user-facing kind and the infos and origins of its entries, in listing order.</summary>
    public IReadOnlyList<(string Kind, IReadOnlyList<(ComponentInfo Info, ComponentOrigin Origin, bool HasTwin)> Entries)> All =>
    [
        Describe(Aggregators.Rules), Describe(Aggregators.PreAggregators), Describe(Aggregators.AsyncRules),
        Describe(Attacks.Gradient), Describe(Attacks.Data), Describe(Attacks.AsyncBehaviours),
        Describe(Delays), Describe(Models), Describe(DataSources),
    ];

    private static (string, IReadOnlyList<(ComponentInfo, ComponentOrigin, bool)>) Describe<TContext, T>(ComponentCatalog<TContext, T> catalog)
        => (catalog.Kind, catalog.Entries.Select(e => (e.Info, e.Origin, e.Twin is not null)).ToList());
}
