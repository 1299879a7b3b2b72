using SimByz.Specs;
using System.Numerics.Tensors;
using SimByz.Aggregation.Registry;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// The arithmetic mean (1/n) Σ vᵢ: plain SGD's aggregation, no Byzantine tolerance.
/// </summary>
/// <remarks>
/// Non-finite input: propagates (a NaN row makes the result NaN in those coordinates): Mean is not
/// robust and says so. Summation order is fixed (row 0, 1, …, n−1, coordinate-wise in float32), so
/// the result is bit-identical whatever the hardware vector width.
/// </remarks>
internal sealed class MeanRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "mean", "arithmetic mean of all inputs (not robust; non-finite inputs propagate)",
        "plain SGD", "any n ≥ 1 (q = 0)", []);

    public static IAggregator Create(SpecParameters _) => new MeanRule();

    public string Spec => "mean";

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, "mean");
        output.Clear();
        for (int i = 0; i < input.Count; i++)
        {
            TensorPrimitives.Add(output, input.Row(i), output);
        }
        TensorPrimitives.Multiply(output, 1f / input.Count, output);
        if (diagnostics is not null)
        {
            diagnostics.Reset(input.Count);
            diagnostics.Weights.Fill(1.0 / input.Count);
            diagnostics.HasWeights = true;
        }
    }
}
