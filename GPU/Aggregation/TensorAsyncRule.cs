using SimByz.Aggregation;
using SimByz.Scheduler;
using TorchSharp;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation;

/// <summary>What an asynchronous tensor rule decides on one message: the decision and, when it is
/// accepted, the update to apply (a d-vector on the device; null is read as the zero update).</summary>
internal readonly record struct TensorDecision(AsyncDecision Decision, Tensor? Update);

/// <summary>
/// An asynchronous rule over one message held as a d-vector float32 tensor on the device: the tensor
/// twin of an <see cref="IAsyncAggregator"/> of the same spec. State carried across messages (buffers,
/// model history, per-worker vectors) lives on the device, outside the per-call dispose scope.
/// </summary>
/// <remarks>Called inside the caller's dispose scope: temporaries need no explicit disposal.</remarks>
internal interface ITensorAsyncRule
{
    string Spec { get; }

    /// <summary>As <see cref="IAsyncAggregator.UsesValidation"/>.</summary>
    bool UsesValidation => false;

    /// <summary>Decides on the message whose payload is <paramref name="g"/> (d, float32, on <see cref="TensorCall.Device"/>).</summary>
    TensorDecision Decide(Tensor g, AsyncMessage message, TensorCall call);

    /// <summary>Forgets state carried across messages.</summary>
    void Reset() { }

    /// <summary>Forgets state as <see cref="Reset"/> does and frees the tensors kept across messages now, rather than at
    /// finalization; the rule stays usable (it makes them again). Default: <see cref="Reset"/>.</summary>
    void Release() => Reset();
}

/// <summary>
/// An <see cref="IAsyncAggregator"/> running a tensor async rule on a torch device: the payload moves to
/// the device once per message, every temporary lives in one dispose scope, and only the update comes
/// back. Agrees with the managed rule of the same spec within the tolerance stated per rule (GPU/README.md,
/// "Asynchronous rules"); not bit-exact. Not thread-safe, like every <see cref="IAsyncAggregator"/>.
/// </summary>
internal sealed class TorchAsyncAggregator : IAsyncAggregator, IDisposable
{
    private readonly ITensorAsyncRule _rule;
    private readonly TorchDevice _device;

    public TorchAsyncAggregator(ITensorAsyncRule rule, TorchDevice device)
    {
        _rule = rule;
        _device = device;
    }

    public string Spec => _rule.Spec;

    /// <summary>The device the rule runs on.</summary>
    public TorchDevice Device => _device;

    public bool UsesValidation => _rule.UsesValidation;

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        ArgumentNullException.ThrowIfNull(context);
        int d = message.Payload.Length;
        if (update.Length != d)
        {
            throw new ArgumentException($"{Spec}: update has length {update.Length}, expected d = {d}", nameof(update));
        }
        using var scope = torch.NewDisposeScope();
        var g = AsyncTensorOps.ToDevice(message.Payload.Span, _device.Device);
        var (decision, result) = _rule.Decide(g, message, new TensorCall(null, context, null, _device.Device));
        if (decision.Accepted && result is not null) TensorOps.ToHost(result, update);
        else update.Clear();
        return decision;
    }

    public void Reset() => _rule.Reset();

    /// <summary>Frees the tensors the rule keeps across messages and forgets its state (as <see cref="Reset"/>); a
    /// training run disposes its rule when it ends. The rule stays usable.</summary>
    public void Dispose() => _rule.Release();
}

/// <summary>Vector operations of the asynchronous tensor rules, with the managed rules' numeric conventions (<see cref="DetVec"/>).</summary>
/// <remarks>Squares and products in float32, sums in float64 (the managed rules' <see cref="DetVec"/>
/// sums in a fixed order of its own; torch's order differs, hence agreement within a tolerance).</remarks>
internal static class AsyncTensorOps
{
    /// <summary>A d-vector float32 tensor on <paramref name="device"/> holding <paramref name="values"/>.</summary>
    public static Tensor ToDevice(ReadOnlySpan<float> values, Device device)
    {
        var host = TensorOps.FromHost(values, [values.Length]);
        return device.type == DeviceType.CPU ? host : host.to(device);
    }

    /// <summary>Σⱼ vⱼ²: squares in float32, the sum in float64.</summary>
    public static double SquaredNorm(Tensor v) => v.square().sum(type: ScalarType.Float64).item<double>();

    /// <summary>Σⱼ (aⱼ − bⱼ)²: differences and squares in float32, the sum in float64.</summary>
    public static double SquaredDistance(Tensor a, Tensor b) => (a - b).square().sum(type: ScalarType.Float64).item<double>();

    /// <summary>Σⱼ aⱼbⱼ: products in float32, the sum in float64.</summary>
    public static double Dot(Tensor a, Tensor b) => (a * b).sum(type: ScalarType.Float64).item<double>();

    /// <summary>True if every value of <paramref name="v"/> is finite.</summary>
    public static bool AllFinite(Tensor v) => v.isfinite().all().item<bool>();

    /// <summary>The server's learning rate γ, checked as the managed rules check it.</summary>
    public static double RequireLearningRate(AggregationContext context, string rule)
    {
        double gamma = context.LearningRate;
        if (!double.IsFinite(gamma) || gamma <= 0)
        {
            throw new SimByzException($"{rule} needs the server's learning rate γ > 0 to score its inputs (got {gamma.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        }
        return gamma;
    }

    /// <summary>The server's validation oracle, checked as the managed rules check it.</summary>
    public static IValidationOracle RequireOracle(AggregationContext context, int d, string rule)
        => SimByz.Aggregation.Rules.ZenoRule.RequireOracle(context, d, rule);
}
