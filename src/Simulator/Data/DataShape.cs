namespace SimByz.Simulator.Data;

/// <summary>
/// How big a data source's data is, known before loading it (<see cref="DataSourceCatalog.ShapeOf"/>):
/// <paramref name="Rows"/> examples (training and test) of <paramref name="Features"/> features, and
/// <paramref name="Classes"/> classes (1 for regression).
/// </summary>
public sealed record DataShape(long Rows, int Features, int Classes)
{
    /// <summary>The bytes the loaded data takes: a float32 per feature and a label per row.</summary>
    public long Bytes => checked(Rows * ((long)Features + 1) * sizeof(float));
}
