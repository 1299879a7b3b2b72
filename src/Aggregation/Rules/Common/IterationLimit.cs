namespace SimByz.Aggregation.Rules;

/// <summary>
/// The largest iteration count an iterative rule accepts (geometric-median's and centered clipping's
/// <c>iters</c>): every iteration is a pass over the whole n×d input, so a count in the billions is a
/// run that never ends, refused when the spec is read rather than discovered hours later.
/// </summary>
public static class IterationLimit
{
    /// <summary>At most 10 000 iterations per aggregation (the papers use 1 to 100).</summary>
    public const int Max = 10_000;
}
