namespace SimByz.Aggregation.Rules;

/// <summary>Shared argument checks of the rules.</summary>
internal static class Guard
{
    public static void Shape(GradientBatch input, ReadOnlySpan<float> output, string rule)
    {
        if (input.Count == 0) throw new SimByzException($"{rule}: no input vectors");
        if (output.Length != input.Dimension)
        {
            throw new ArgumentException($"{rule}: output has length {output.Length}, expected d = {input.Dimension}", nameof(output));
        }
    }

    /// <summary>True if every value of <paramref name="row"/> is finite.</summary>
    public static bool IsFinite(ReadOnlySpan<float> row)
    {
        foreach (float x in row)
        {
            if (!float.IsFinite(x)) return false;
        }
        return true;
    }
}
