using SimByz.Aggregation;

namespace SimByz.Simulator.Composition;

/// <summary>A built defence: a synchronous rule (also used in buffered async mode), or an asynchronous rule.</summary>
/// <param name="Rule">The synchronous rule chain, or null.</param>
/// <param name="AsyncRule">The asynchronous rule, or null.</param>
public readonly record struct Defence(IAggregator? Rule, IAsyncAggregator? AsyncRule);
