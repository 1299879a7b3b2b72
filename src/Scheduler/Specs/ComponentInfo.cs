namespace SimByz.Specs;

/// <summary>How a registered component (rule, pre-aggregator, attack, delay model) is described to users by <c>simbyz list</c>.</summary>
/// <param name="Name">Stable spec name, e.g. <c>krum</c>.</param>
/// <param name="Summary">One line: what it computes.</param>
/// <param name="Source">Paper and, for variants, the public code each variant follows.</param>
/// <param name="Tolerance">The condition on n and the parameters, e.g. <c>n &gt; 2f+2</c>, or "any".</param>
/// <param name="Parameters">Its spec parameters with defaults.</param>
public sealed record ComponentInfo(string Name, string Summary, string Source, string Tolerance, IReadOnlyList<ParameterInfo> Parameters);
