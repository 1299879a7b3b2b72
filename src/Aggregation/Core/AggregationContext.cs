namespace SimByz.Aggregation;

/// <summary>What the server knows when it aggregates: its model, step size and validation oracle.</summary>
/// <remarks>Immutable per call. <see cref="None"/> serves rules that need nothing. The simulator's server
/// refills one private instance per round (<see cref="Refill"/>) so that a step allocates nothing; a rule
/// reads the context during its call and keeps no reference to it.</remarks>
public sealed class AggregationContext
{
    private ReadOnlyMemory<float> _model;
    private double _learningRate;
    private long _round;
    private IValidationOracle? _oracle;

    public static AggregationContext None { get; } = new();

    /// <summary>The server's current model x (empty when unknown).</summary>
    public ReadOnlyMemory<float> Model { get => _model; init => _model = value; }

    /// <summary>The learning rate γ the server will apply this round.</summary>
    public double LearningRate { get => _learningRate; init => _learningRate = value; }

    /// <summary>Round (sync) or server version (async).</summary>
    public long Round { get => _round; init => _round = value; }

    /// <summary>The server's validation oracle (Zeno, Zeno++), or null.</summary>
    public IValidationOracle? Oracle { get => _oracle; init => _oracle = value; }

    /// <summary>Sets every field of an instance its owner reuses between calls (never <see cref="None"/>).</summary>
    internal AggregationContext Refill(ReadOnlyMemory<float> model, double learningRate, long round, IValidationOracle? oracle)
    {
        if (ReferenceEquals(this, None)) throw new InvalidOperationException("AggregationContext.None is shared: never refill it");
        _model = model;
        _learningRate = learningRate;
        _round = round;
        _oracle = oracle;
        return this;
    }
}
