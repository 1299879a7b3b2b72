namespace SimByz.Specs;

/// <summary>One spec parameter: name, type/allowed values, default ("required" if none) and meaning.</summary>
public sealed record ParameterInfo(string Name, string Type, string Default, string Description);
