using SimByz.Scheduler;

namespace SimByz.Aggregation;

/// <summary>What a rule factory may use besides the spec: the run's seed for seeded pre-aggregators.</summary>
/// <param name="Seed">Root seed; seeded components derive their own stream from it (purpose <see cref="StreamPurpose.PreAggregation"/>).</param>
/// <param name="DeclaredByzantine">The scenario's q, used as the default f/b where a rule's parameter defaults to it (−1 when unknown).</param>
public sealed record AggregatorBuildContext(ulong Seed = 0, int DeclaredByzantine = -1);
