namespace SimByz.Simulator.Sweeps;

/// <summary>A value of the attacks axis: its label (as written in the grid) and what it sets.</summary>
/// <param name="Label">As written: a spec, or <c>none</c>.</param>
/// <param name="Attack">The gradient attack spec, or null.</param>
/// <param name="DataAttack">The data attack spec, or null.</param>
/// <param name="FromBase">True when the grid has no attacks axis: the base scenario's attack fields are kept as they are.</param>
public sealed record SweepAttack(string Label, string? Attack, string? DataAttack, bool FromBase);
