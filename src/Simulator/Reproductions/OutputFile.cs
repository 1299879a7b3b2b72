namespace SimByz.Simulator.Reproductions;

/// <summary>A text file of a reproduction's output.</summary>
public sealed record OutputFile(string Name, string Text);
