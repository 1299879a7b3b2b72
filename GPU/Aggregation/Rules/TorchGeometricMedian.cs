using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>geomed</c>: the geometric median argmin_z Σ‖z − vᵢ‖ by smoothed Weiszfeld
/// iterations z ← Σ wᵢvᵢ / Σ wᵢ, wᵢ = 1/max(ν, ‖vᵢ − z‖) (Pillutla et al.'s RFA; Chen et al. 2017).
/// </summary>
/// <remarks>
/// <para><c>variant=byzfl</c> (default; ByzFL): start at 0, exactly <c>iters</c> iterations (default 3).
/// <c>variant=fedlib</c>: start at the mean of the finite rows, iterate until ‖z' − z‖ ≤ eps·‖z'‖
/// (eps default 1e-6) or 100 iterations. ν (<c>nu</c>) defaults to 0.1. Non-finite rows get weight 0.</para>
/// <para>Agreement: relative 1e-5.</para>
/// </remarks>
internal sealed class TorchGeometricMedian(bool fedlib, double nu, int iterations, double eps) : ITensorRule
{
    public static TorchGeometricMedian Create(SpecParameters p)
    {
        string variant = p.GetChoice("variant", "byzfl", "byzfl", "fedlib");
        double nu = p.GetDouble("nu", 0.1, 0);
        bool fedlib = variant == "fedlib";
        int iters = p.GetInt("iters", fedlib ? 100 : 3, 1);
        double eps = p.GetDouble("eps", 1e-6, 0);
        return new(fedlib, nu, iters, eps);
    }

    public string Spec => fedlib
        ? $"geomed:variant=fedlib,nu={nu.ToString(System.Globalization.CultureInfo.InvariantCulture)},iters={iterations},eps={eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
        : $"geomed:variant=byzfl,nu={nu.ToString(System.Globalization.CultureInfo.InvariantCulture)},iters={iterations}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        var finite = TensorOps.FiniteRows(x);
        var finiteWeights = finite.to_type(ScalarType.Float64);
        double finiteCount = finiteWeights.sum().item<double>();
        if (finiteCount == 0) return zeros(x.shape[1], dtype: ScalarType.Float32, device: x.device);
        var z = fedlib ? TensorOps.WeightedSum(x, finiteWeights, finiteCount) : zeros(x.shape[1], dtype: ScalarType.Float32, device: x.device);
        Tensor weights = finiteWeights;
        int used = 0;
        for (int t = 0; t < iterations; t++)
        {
            var distance = (x - z.unsqueeze(0)).square().sum(1, type: ScalarType.Float64).sqrt();
            weights = (1.0 / distance.clamp(min: nu)).masked_fill(finite.logical_not(), 0.0);
            var next = TensorOps.WeightedSum(x, weights, weights.sum().item<double>());
            used++;
            if (fedlib)
            {
                double change = (next - z).square().sum(type: ScalarType.Float64).sqrt().item<double>();
                double size = next.square().sum(type: ScalarType.Float64).sqrt().item<double>();
                z = next;
                if (change <= eps * size) break;
            }
            else
            {
                z = next;
            }
        }
        if (call.Diagnostics is { } diag)
        {
            double[] w = TensorOps.ToHost(weights / weights.sum());
            w.CopyTo(diag.Weights);
            diag.HasWeights = true;
            diag.Iterations = used;
            diag.NonFiniteRows = diag.InputCount - (int)finiteCount;
        }
        return z;
    }
}
