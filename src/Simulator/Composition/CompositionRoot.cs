using SimByz.Simulator.Data;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Composition;

/// <summary>
/// The composition root: the component catalogues (built-ins, the torch backend's entries,
/// plug-ins), the compute backend and the plug-ins loaded, from which a scenario resolves into a
/// <see cref="RunSetup"/> holding every factory the engine needs. Built once per command (the CLI
/// builds it in one place); the engine only uses what it is given.
/// </summary>
/// <param name="Catalogs">The catalogues names resolve in.</param>
/// <param name="Backend">Where the rules (synchronous and asynchronous) run.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record CompositionRoot(ComponentCatalogs Catalogs, IComputeBackend Backend)
{
    /// <summary>The built-in components on the managed backend, with no plug-ins.</summary>
    public static CompositionRoot Default { get; } = new(ComponentCatalogs.BuiltIn, ManagedBackend.Instance);

    /// <summary>The plug-ins whose components the catalogues hold, in loading order.</summary>
    public IReadOnlyList<PluginInfo> Plugins { get; init; } = [];

    /// <summary>Resolves <paramref name="scenario"/> into a checked run setup (see <see cref="ScenarioBuilder"/>).</summary>
    /// <exception cref="SimByzException">A bad field, with its JSON path in <see cref="SimByzException.JsonPath"/>.</exception>
    public RunSetup Resolve(Scenario scenario, Func<string, ulong, LoadedData>? loadData = null) => ScenarioBuilder.Build(scenario, this, loadData);
}
