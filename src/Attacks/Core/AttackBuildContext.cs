using SimByz.Aggregation;

namespace SimByz.Attacks;

/// <summary>What an attack factory may use besides its spec.</summary>
/// <param name="Seed">The run's root seed: seeded data attacks (random label permutation) derive
/// their stream from it; adaptive attacks pass it to the private copies of the defence they build.
/// Per-round randomness never comes from here but from <see cref="AttackContext.Rng"/>.</param>
/// <param name="DeclaredByzantine">The scenario's q (−1 when unknown): the default of
/// <c>zeno-aware</c>'s b and of the private defence copies' f.</param>
/// <param name="Aggregators">The catalogue adaptive attacks build their private defence copies and
/// proxies from (null: <see cref="AggregatorCatalog.BuiltIn"/>), so a plug-in rule can be attacked.</param>
public sealed record AttackBuildContext(ulong Seed = 0, int DeclaredByzantine = -1, AggregatorCatalog? Aggregators = null)
{
    /// <summary>The aggregation catalogue to build defence copies from.</summary>
    public AggregatorCatalog AggregatorsOrBuiltIn => Aggregators ?? AggregatorCatalog.BuiltIn;
}
