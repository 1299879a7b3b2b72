namespace SimByz.Simulator.Scenarios;

/// <summary>Which workers are Byzantine (<c>first</c>, <c>random</c> by seed, or <c>explicit</c> ids) and what they do.</summary>
/// <remarks><c>Attack</c> is a gradient attack spec, <c>DataAttack</c> a data-level one (both may be given:
/// the gradient attack then sees the poisoned gradients as the workers' own), <c>Behaviour</c> an
/// asynchronous timing behaviour (stale replay, delay inflation, bursts).</remarks>
public sealed record ByzantineSection(int Count, string Select, IReadOnlyList<int> Ids, string? Attack, string? DataAttack, string? Behaviour = null);
