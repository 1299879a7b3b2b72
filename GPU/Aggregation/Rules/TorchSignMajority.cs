using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>sign-majority</c> (majority vote; Bernstein et al., ICLR 2019): per coordinate
/// sign(Σᵢ sign(vᵢⱼ)) ∈ {−1, 0, +1}; a NaN value casts no vote.
/// </summary>
/// <remarks>Agreement: exact.</remarks>
internal sealed class TorchSignMajority : ITensorRule
{
    public string Spec => "sign-majority";

    public Tensor Aggregate(Tensor x, TensorCall call)
        => x.sign().nan_to_num(0.0).sum(0L).sign().to_type(ScalarType.Float32);
}
