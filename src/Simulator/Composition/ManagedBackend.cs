using SimByz.Aggregation;

namespace SimByz.Simulator.Composition;

/// <summary>The managed CPU backend: every rule as the catalogue builds it (the reference arithmetic).</summary>
public sealed class ManagedBackend : IComputeBackend
{
    private ManagedBackend() { }

    /// <summary>The one instance (it has no state).</summary>
    public static ManagedBackend Instance { get; } = new();

    public string Name => "cpu";

    public string? Device => null;

    public IAggregator CreateRule(AggregatorCatalog catalog, string spec, AggregatorBuildContext context) => catalog.Create(spec, context);

    public IAsyncAggregator CreateAsyncRule(AggregatorCatalog catalog, string spec, AggregatorBuildContext context) => catalog.CreateAsync(spec, context);
}
