namespace SimByz.Simulator.Scenarios;

/// <summary>One field of a scenario or sweep-grid file: where it is, its type, its allowed range or choices, its
/// default and what it means.</summary>
/// <param name="Path">Dotted path; <c>[]</c> marks the items of an array of objects, e.g. <c>workers.overrides[].workers</c>.</param>
/// <param name="Type">One of <c>string</c>, <c>integer</c>, <c>number</c>, <c>duration</c> (<c>"5ms"</c> or seconds),
/// <c>split</c> (a count or a fraction in (0, 1)), <c>spec</c> (a component spec, <c>simbyz list</c>), <c>choice</c>,
/// <c>string[]</c>, <c>integer[]</c>, <c>object[]</c>, or <c>string|object</c>.</param>
/// <param name="Range">Allowed values in words, e.g. <c>[1, 100000]</c> (empty: any of the type).</param>
/// <param name="Default">The value when the field is absent (<c>none</c>: unset).</param>
/// <param name="Meaning">What it does.</param>
/// <param name="Choices">For <c>choice</c>: the allowed strings.</param>
public sealed record FieldDoc(string Path, string Type, string Range, string Default, string Meaning, IReadOnlyList<string>? Choices = null);
