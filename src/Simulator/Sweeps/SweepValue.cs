using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Sweeps;

/// <summary>One value of one field of a sweep axis.</summary>
/// <param name="Label">As results.csv and summary.md show it: a string value as is, anything else as compact JSON.</param>
/// <param name="Json">The value written into the scenario (for the attacks axis, the label).</param>
/// <param name="Attack">For the attacks field: what the value sets; otherwise null.</param>
public sealed record SweepValue(string Label, JToken Json, SweepAttack? Attack = null);
