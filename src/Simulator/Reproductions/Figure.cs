namespace SimByz.Simulator.Reproductions;

/// <summary>A figure to draw, named by its PNG file (the CLI writes an SVG of the same name beside it).</summary>
public abstract record Figure(string File, string Title);
