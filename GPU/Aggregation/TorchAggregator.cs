using SimByz.Aggregation;
using SimByz.Scheduler;
using TorchSharp;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation;

/// <summary>
/// An <see cref="IAggregator"/> running a chain of tensor pre-aggregators and a tensor rule on a torch
/// device: the batch is moved to the device once per call, every temporary lives in one dispose
/// scope, and only the d-vector result comes back.
/// </summary>
/// <remarks>
/// Agrees with the managed rule of the same spec within the tolerance stated per rule (README, "Torch
/// backend"); not bit-exact (torch's reduction order is its own). Diagnostics describe the rule's own
/// inputs (after pre-aggregation). Not thread-safe, like every <see cref="IAggregator"/>. <see cref="Dispose"/> frees
/// the host tensor the batch is staged in (n×d floats) and the tensors the rule keeps across rounds (centered
/// clipping's center) at once rather than when the finalizer runs; a training run disposes its rules when it ends.
/// </remarks>
internal sealed class TorchAggregator : IAggregator, IDisposable
{
    private readonly IReadOnlyList<ITensorPreAggregator> _pre;
    private readonly ITensorRule _rule;
    private readonly TorchDevice _device;
    private AggregationDiagnostics? _inner;
    private Tensor? _staging;

    public TorchAggregator(IReadOnlyList<ITensorPreAggregator> pre, ITensorRule rule, TorchDevice device)
    {
        _pre = pre;
        _rule = rule;
        _device = device;
        Spec = string.Join("+", pre.Select(p => p.Spec).Append(rule.Spec));
    }

    public string Spec { get; }

    public bool UsesValidation => _rule.UsesValidation;

    /// <summary>The device the rule runs on.</summary>
    public TorchDevice Device => _device;

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        if (input.Count == 0) throw new SimByzException($"{Spec}: no input vectors");
        if (output.Length != input.Dimension)
        {
            throw new ArgumentException($"{Spec}: output has length {output.Length}, expected d = {input.Dimension}", nameof(output));
        }
        using var scope = torch.NewDisposeScope();
        var x = ToDevice(input);
        var call = new TensorCall(_pre.Count == 0 ? input : null, context, null, _device.Device);
        int n = input.Count;
        var origin = new int[n];
        var share = new double[n];
        for (int i = 0; i < n; i++)
        {
            origin[i] = i;
            share[i] = 1.0;
        }
        foreach (var stage in _pre)
        {
            int rows = (int)x.shape[0];
            var stageOrigin = new int[rows];
            var stageShare = new double[rows];
            x = stage.Transform(x, call, stageOrigin, stageShare);
            for (int i = 0; i < n; i++)
            {
                share[i] *= stageShare[origin[i]];
                origin[i] = stageOrigin[origin[i]];
            }
        }
        AggregationDiagnostics? inner = null;
        if (diagnostics is not null)
        {
            inner = _pre.Count == 0 ? diagnostics : (_inner ??= new AggregationDiagnostics());
            inner.Reset((int)x.shape[0]);
        }
        var result = _rule.Aggregate(x, call with { Diagnostics = inner });
        TensorOps.ToHost(result, output);
        if (diagnostics is null || inner is null || ReferenceEquals(inner, diagnostics)) return;
        // Per original input, as the managed PreAggregatedRule reports.
        diagnostics.Reset(n);
        diagnostics.HasScores = inner.HasScores;
        diagnostics.HasWeights = inner.HasWeights;
        diagnostics.HasSelection = inner.HasSelection;
        diagnostics.Iterations = inner.Iterations;
        diagnostics.NonFiniteRows = inner.NonFiniteRows;
        for (int i = 0; i < n; i++)
        {
            int o = origin[i];
            if (inner.HasScores) diagnostics.Scores[i] = inner.Scores[o];
            if (inner.HasWeights) diagnostics.Weights[i] = inner.Weights[o] * share[i];
            if (inner.HasSelection) diagnostics.Selected[i] = inner.Selected[o];
        }
    }

    public void Reset()
    {
        foreach (var stage in _pre) stage.Reset();
        _rule.Reset();
    }

    /// <summary>Frees the staging tensor and the rule's kept tensors now, forgetting its state as <see cref="Reset"/> does
    /// (as <see cref="TorchAsyncAggregator"/>'s Dispose does). The aggregator stays usable: a later call stages the batch
    /// in a new tensor and starts as a fresh rule.</summary>
    public void Dispose()
    {
        _staging?.Dispose();
        _staging = null;
        Reset();
    }

    /// <summary>Whether a staging tensor is held (for tests).</summary>
    internal bool HoldsStaging => _staging is not null;

    private Tensor ToDevice(GradientBatch input)
    {
        // The batch goes into a host tensor kept across calls: a fresh n×d tensor per call cost more in
        // page faults than most rules' arithmetic (docs/PERFORMANCE.md, "Aggregation rules").
        var host = TensorOps.IntoStaging(ref _staging, input.Data, input.Count, input.Dimension);
        return _device.IsCuda ? host.to(_device.Device) : host;
    }
}
