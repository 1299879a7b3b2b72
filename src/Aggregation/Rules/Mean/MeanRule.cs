using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// The arithmetic mean (1/n) Σ vᵢ: plain SGD's aggregation, no Byzantine tolerance.
/// </summary>
/// <remarks>
/// Non-finite input: propagates (a NaN row makes the result NaN in those coordinates): Mean is not
/// robust and says so. Arithmetic (<see cref="RowCombination"/>): per coordinate the values are summed
/// in float64, rows in index order, divided by n and rounded once to float32, so the mean of n equal
/// rows is that row exactly and the result does not depend on threads or vector width. With AVX-512 the
/// same sums run in <see cref="MeanKernel"/> (accumulators in registers, rows prefetched).
/// </remarks>
internal sealed class MeanRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "mean", "arithmetic mean of all inputs (not robust; non-finite inputs propagate)",
        "plain SGD", "any n ≥ 1 (q = 0)", []);

    private readonly RowCombination _combination = new();
    private readonly MeanKernel _kernel = new();
    private double[] _ones = [];

    public static IAggregator Create(SpecParameters _) => new MeanRule();

    public string Spec => "mean";

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, "mean");
        int n = input.Count;
        if (MeanKernel.IsSupported)
        {
            _kernel.Run(input, output);
        }
        else
        {
            if (_ones.Length < n)
            {
                _ones = new double[n];
                _ones.AsSpan().Fill(1.0);
            }
            _combination.Compute(input, _ones.AsSpan(0, n), n, output);
        }
        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            diagnostics.Weights.Fill(1.0 / n);
            diagnostics.HasWeights = true;
        }
    }
}
