using System.Globalization;
using SimByz.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>cc:tau,iters</c>, centered clipping (Karimireddy, He, Jaggi, ICML 2021):
/// v ← v + mean_i clip(vᵢ − v, τ) repeated <c>iters</c> times, clip(u, τ) = u·min(1, τ/‖u‖), with v
/// carried across rounds (starting at 0; <see cref="Reset"/> clears it).
/// </summary>
/// <remarks>
/// Defaults τ = 100, iters = 1 (the paper's CIFAR runs). Non-finite rows are left out of the mean
/// (the mean is over the finite rows; v is unchanged when there are none). The state lives on the
/// device, outside the per-call dispose scope. Agreement: relative 1e-5 per round.
/// </remarks>
internal sealed class TorchCenteredClipping(double tau, int iterations) : ITensorRule, IDisposable
{
    private Tensor? _state;

    public static TorchCenteredClipping Create(SpecParameters p)
        => new(p.GetDouble("tau", 100, 0), p.GetInt("iters", 1, 1));

    public string Spec => $"cc:tau={tau.ToString(CultureInfo.InvariantCulture)},iters={iterations}";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        long d = x.shape[1];
        if (_state is null || _state.shape[0] != d || _state.device != x.device)
        {
            _state?.Dispose();
            _state = zeros(d, dtype: ScalarType.Float32, device: x.device).DetachFromDisposeScope();
        }
        var finite = TensorOps.FiniteRows(x);
        double count = finite.sum(type: ScalarType.Float64).item<double>();
        var v = _state.clone();
        if (count > 0)
        {
            for (int t = 0; t < iterations; t++)
            {
                var diff = x - v.unsqueeze(0);
                var norm = diff.square().sum(1, type: ScalarType.Float64).sqrt();
                var scale = (tau / norm).clamp(max: 1.0).masked_fill(finite.logical_not(), 0.0);
                v = v + TensorOps.WeightedSum(diff, scale, count);
            }
        }
        _state.copy_(v);
        if (call.Diagnostics is { } diag)
        {
            diag.Iterations = iterations;
            diag.NonFiniteRows = diag.InputCount - (int)count;
        }
        return v;
    }

    public void Reset()
    {
        _state?.Dispose();
        _state = null;
    }

    public void Dispose() => Reset();
}
