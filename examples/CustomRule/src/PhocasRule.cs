using SimByz;
using SimByz.Aggregation;
using SimByz.Specs;

namespace CustomRule;

/// <summary>
/// Phocas (Xie, Koyejo, Gupta, "Phocas: dimensional Byzantine-resilient stochastic gradient
/// descent", 2018): per coordinate, the trimmed mean T_b of the n values (drop the b largest and b
/// smallest), then the mean of the n − b values nearest to T_b.
/// </summary>
/// <remarks>
/// Tolerance: n &gt; 2b (the trimmed mean needs a value left). Ties in |v − T_b| keep the lower value
/// first, so the result does not depend on the input order. b defaults to the scenario's q. Sums in
/// float64 in sorted order: deterministic for any thread count. Spec <c>phocas:b=B</c>.
/// </remarks>
public sealed class PhocasRule : IAggregator
{
    public static ComponentInfo Info { get; } = new("phocas",
        "per coordinate: the mean of the n − b values nearest to the b-trimmed mean",
        "Xie, Koyejo, Gupta 2018 (Phocas); lower value first on equal distance", "n > 2b",
        [new ParameterInfo("b", "integer ≥ 0", "declared q", "values trimmed from each side, and dropped around the trimmed mean")]);

    private readonly int _b;
    private double[] _column = [];
    private int[] _order = [];

    public PhocasRule(int b)
    {
        if (b < 0) throw new SimByzException($"phocas: b must be ≥ 0 (got {b})");
        _b = b;
    }

    /// <summary>Reads <c>b</c> (default: the scenario's declared q).</summary>
    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(context);
        int b = context.DeclaredByzantine >= 0 ? p.GetInt("b", context.DeclaredByzantine, min: 0) : p.RequireInt("b", min: 0);
        return new PhocasRule(b);
    }

    public string Spec => $"phocas:b={_b}";

    public void CheckTolerance(int n)
    {
        if (n <= 2 * _b) throw new SimByzException($"{Spec}: tolerance condition n > 2b does not hold for n = {n} inputs");
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        int n = input.Count, d = input.Dimension;
        CheckTolerance(n);
        if (_column.Length < n)
        {
            _column = new double[n];
            _order = new int[n];
        }
        var column = _column.AsSpan(0, n);
        for (int j = 0; j < d; j++)
        {
            for (int i = 0; i < n; i++) column[i] = input.Row(i)[j];
            column.Sort();
            double trimmed = 0;
            for (int i = _b; i < n - _b; i++) trimmed += column[i];
            trimmed /= n - 2 * _b;
            // The n − b nearest values form a run of the sorted column: slide the run's start up while the
            // value after the run is nearer than its first value (strictly: the lower value wins ties).
            int keep = n - _b, start = 0;
            while (start + keep < n && column[start + keep] - trimmed < trimmed - column[start]) start++;
            double sum = 0;
            for (int i = start; i < start + keep; i++) sum += column[i];
            output[j] = (float)(sum / keep);
        }
        diagnostics?.Reset(n);
    }
}
