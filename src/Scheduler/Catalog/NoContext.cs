namespace SimByz.Specs;

/// <summary>The build context of components whose factories need nothing besides their spec (models, data sources).</summary>
public readonly record struct NoContext;
