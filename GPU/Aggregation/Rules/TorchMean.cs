using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>Tensor twin of <c>mean</c>: (1/n) Σ vᵢ, float64 accumulation; non-finite inputs propagate.</summary>
/// <remarks>Agreement with the managed rule: relative 1e-5 (summation order differs).</remarks>
internal sealed class TorchMean : ITensorRule
{
    public string Spec => "mean";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        long n = x.shape[0];
        if (call.Diagnostics is { } diag)
        {
            diag.Weights.Fill(1.0 / n);
            diag.HasWeights = true;
        }
        // All weights 1: non-finite rows contribute, so NaN/±∞ propagate as in the managed mean.
        return TensorOps.WeightedSum(x, ones(n, dtype: ScalarType.Float64, device: x.device), n);
    }
}
