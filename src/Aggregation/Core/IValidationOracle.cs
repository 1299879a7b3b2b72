namespace SimByz.Aggregation;

/// <summary>
/// The server's validation data, as Zeno and Zeno++ use it: the loss, and its gradient, of the
/// current validation batch at a given parameter vector, evaluated in inference mode.
/// </summary>
/// <remarks>The simulator owns which batch is current (Zeno draws a new one each round).</remarks>
public interface IValidationOracle
{
    /// <summary>Parameter dimension d.</summary>
    int Dimension { get; }

    /// <summary>f_r(x): loss of the current validation batch at <paramref name="parameters"/>.</summary>
    double Loss(ReadOnlySpan<float> parameters);

    /// <summary>Writes ∇f_r(x) into <paramref name="gradient"/> and returns f_r(x).</summary>
    double LossAndGradient(ReadOnlySpan<float> parameters, Span<float> gradient);
}
