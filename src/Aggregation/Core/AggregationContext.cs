namespace SimByz.Aggregation;

/// <summary>What the server knows when it aggregates: its model, step size and validation oracle.</summary>
/// <remarks>Immutable per call. <see cref="None"/> serves rules that need nothing.</remarks>
public sealed class AggregationContext
{
    public static AggregationContext None { get; } = new();

    /// <summary>The server's current model x (empty when unknown).</summary>
    public ReadOnlyMemory<float> Model { get; init; }

    /// <summary>The learning rate γ the server will apply this round.</summary>
    public double LearningRate { get; init; }

    /// <summary>Round (sync) or server version (async).</summary>
    public long Round { get; init; }

    /// <summary>The server's validation oracle (Zeno, Zeno++), or null.</summary>
    public IValidationOracle? Oracle { get; init; }
}
