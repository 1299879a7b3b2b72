using SimByz.Specs;
using SimByz.Aggregation.Registry;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Coordinate-wise median (Yin, Chen, Ramchandran, Bartlett, ICML 2018): per coordinate, the median
/// of the n values; for even n, the mean of the two middle values.
/// </summary>
/// <remarks>
/// Tolerance: q &lt; n/2. Non-finite input: in each coordinate NaN values are dropped and the median
/// is taken over the finite and infinite values that remain; ±∞ order as extremes, so they move the
/// median by at most one rank; a coordinate with no non-NaN value gives 0.
/// </remarks>
internal sealed class CoordinateWiseMedianRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "median", "coordinate-wise median (even n: mean of the two middle values)",
        "Yin et al., ICML 2018", "q < n/2", []);

    private float[] _column = [];

    public static IAggregator Create(SpecParameters _) => new CoordinateWiseMedianRule();

    public string Spec => "median";

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, "median");
        int n = input.Count, d = input.Dimension;
        if (_column.Length < n) _column = new float[n];
        ReadOnlySpan<float> data = input.Data;
        for (int j = 0; j < d; j++)
        {
            int m = 0;
            for (int i = 0; i < n; i++)
            {
                float x = data[i * d + j];
                if (!float.IsNaN(x)) _column[m++] = x;
            }
            output[j] = MedianOf(_column.AsSpan(0, m));
        }
        diagnostics?.Reset(n);
    }

    /// <summary>Median of <paramref name="values"/> (reordered in place); 0 when empty.</summary>
    internal static float MedianOf(Span<float> values)
    {
        int m = values.Length;
        if (m == 0) return 0f;
        values.Sort();
        if ((m & 1) == 1) return values[m / 2];
        return (float)(((double)values[m / 2 - 1] + values[m / 2]) * 0.5);
    }
}
