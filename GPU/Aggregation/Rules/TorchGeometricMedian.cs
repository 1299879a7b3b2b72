using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>geometric-median</c>: argmin_z Σ‖z − vᵢ‖ by smoothed Weiszfeld iterations
/// z ← Σ βᵢvᵢ / Σ βᵢ, βᵢ = 1/max(ν, ‖vᵢ − z‖) (Chen et al. 2017; RFA, Pillutla et al.).
/// </summary>
/// <remarks>
/// <para><c>variant=byzfl</c> (default; LPD-EPFL/byzfl): start at 0, exactly <c>iters</c> iterations
/// (default 3). <c>variant=fedlib</c>: start at the mean of the finite rows, iterate until
/// ‖z_{t+1} − z_t‖/‖z_t‖ &lt; eps (absolute change when ‖z_t‖ = 0; eps default 1e-6) or <c>iters</c>
/// (default 100). ν (<c>nu</c>) defaults to 0.1. Rows with a non-finite squared norm get weight 0;
/// all rows non-finite gives the zero vector.</para>
/// <para>The iterates are formed directly on the device (differences, float64 norms, float64 weighted
/// sums rounded once to float32), where the managed rule works on the weights through the pairwise
/// distances: the same iterates up to rounding. Agreement: relative 1e-5.</para>
/// </remarks>
internal sealed class TorchGeometricMedian(bool fedlib, double nu, int iterations, double eps) : ITensorRule
{
    public static TorchGeometricMedian Create(SpecParameters p)
    {
        bool fedlib = p.GetChoice("variant", "byzfl", "byzfl", "fedlib") == "fedlib";
        double nu = p.GetDouble("nu", defaultValue: 0.1, min: SimByz.Aggregation.Rules.GeometricMedianRule.MinNu);
        int iters = p.GetInt("iters", defaultValue: fedlib ? 100 : 3, min: 1, max: SimByz.Aggregation.Rules.IterationLimit.Max);
        if (!fedlib && p.Has("eps")) throw new SimByzException("geometric-median: parameter 'eps' applies to variant=fedlib only");
        double eps = p.GetDouble("eps", defaultValue: 1e-6, min: double.Epsilon);
        return new(fedlib, nu, iters, eps);
    }

    public string Spec => fedlib
        ? FormattableString.Invariant($"geometric-median:variant=fedlib,nu={nu:R},iters={iterations},eps={eps:R}")
        : FormattableString.Invariant($"geometric-median:variant=byzfl,nu={nu:R},iters={iterations}");

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        long n = x.shape[0], d = x.shape[1];
        var finite = TensorOps.FiniteRows(x);
        var bad = finite.logical_not();
        double finiteCount = finite.sum(type: ScalarType.Float64).item<double>();
        if (finiteCount == 0)
        {
            if (call.Diagnostics is { } empty) empty.NonFiniteRows = (int)n;
            return zeros(d, dtype: ScalarType.Float32, device: x.device);
        }
        var uniform = finite.to_type(ScalarType.Float64);
        var z = fedlib ? TensorOps.WeightedSum(x, uniform, finiteCount) : zeros(d, dtype: ScalarType.Float32, device: x.device);
        var weights = uniform / finiteCount;
        int used = 0;
        for (int t = 0; t < iterations; t++)
        {
            var distance = DistancesTo(x, z);
            var beta = (1.0 / distance.clamp(min: nu)).masked_fill(bad.logical_or(distance.isfinite().logical_not()), 0.0);
            double betaSum = beta.sum().item<double>();
            used++;
            if (betaSum == 0) break;
            var next = TensorOps.WeightedSum(x, beta, betaSum);
            weights = beta / betaSum;
            double change = (next - z).square().sum(type: ScalarType.Float64).sqrt().item<double>();
            double size = z.square().sum(type: ScalarType.Float64).sqrt().item<double>();
            z = next;
            if (fedlib && (size > 0 ? change / size : change) < eps) break;
        }
        if (call.Diagnostics is { } diag)
        {
            TensorOps.ToHost(weights).CopyTo(diag.Weights);
            TensorOps.ToHost(DistancesTo(x, z).masked_fill(bad, double.PositiveInfinity)).CopyTo(diag.Scores);
            diag.HasWeights = diag.HasScores = true;
            diag.Iterations = used;
            diag.NonFiniteRows = (int)(n - finiteCount);
        }
        return z;
    }

    private static Tensor DistancesTo(Tensor x, Tensor z) => TensorOps.SquaredDistancesTo(x, z).sqrt();
}
