namespace SimByz.Simulator.Tasks;

/// <summary>
/// Builds a model for data with <paramref name="featureCount"/> features and <paramref name="classCount"/>
/// classes (0 = regression): what a model catalogue entry returns once its spec parameters are read.
/// </summary>
/// <exception cref="SimByzException">The model does not fit the data (e.g. a classifier on regression data).</exception>
public delegate IModel ModelFactory(int featureCount, int classCount);
