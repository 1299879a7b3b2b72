using SimByz.Aggregation;

namespace SimByz.Simulator.Composition;

/// <summary>
/// Where aggregation runs: the managed CPU rules (<see cref="ManagedBackend"/>, bit-exact and
/// deterministic for any thread count) or a tensor backend (SimByz.Gpu's torch backend, which builds
/// each rule's (synchronous or asynchronous) tensor twin from the catalogue's twin column and agrees within a stated tolerance).
/// </summary>
public interface IComputeBackend
{
    /// <summary>Short name recorded with results: <c>cpu</c> or <c>torch</c>.</summary>
    string Name { get; }

    /// <summary>The device description (e.g. <c>torch cpu</c>, <c>torch cuda:0</c>), or null for the managed backend.</summary>
    string? Device { get; }

    /// <summary>Builds the synchronous rule chain <paramref name="spec"/> (pre-aggregators + rule) on this backend.</summary>
    /// <remarks>A returned rule that is <see cref="IDisposable"/> is disposed by whoever built it when done: a training run
    /// when it ends, the defence resolver after checking a spec. Dispose should free held memory and leave the rule usable.</remarks>
    /// <exception cref="SimByzException">Unknown name, bad parameter, or no implementation on this backend.</exception>
    IAggregator CreateRule(AggregatorCatalog catalog, string spec, AggregatorBuildContext context);

    /// <summary>Builds the asynchronous rule <paramref name="spec"/> (e.g. <c>fedbuff:k=5</c>, <c>zeno++</c>) on this backend.</summary>
    /// <exception cref="SimByzException">Unknown name, bad parameter, or no implementation on this backend.</exception>
    IAsyncAggregator CreateAsyncRule(AggregatorCatalog catalog, string spec, AggregatorBuildContext context);
}
