using SimByz.Aggregation;
using TorchSharp;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation;

/// <summary>What a tensor rule sees in one call besides its input.</summary>
/// <param name="Host">The batch as received, on the host (Zeno's oracle reads rows from it).</param>
/// <param name="Context">The server's model, learning rate and oracle.</param>
/// <param name="Diagnostics">Filled when non-null (already reset to the rule's n).</param>
/// <param name="Device">Where the tensors live.</param>
internal sealed record TensorCall(GradientBatch? Host, AggregationContext Context, AggregationDiagnostics? Diagnostics, Device Device);

/// <summary>A rule over an n×d float32 tensor on the device, returning a d-vector on the same device.</summary>
/// <remarks>Called inside the caller's dispose scope: temporaries need no explicit disposal.</remarks>
internal interface ITensorRule
{
    string Spec { get; }

    /// <summary>Aggregates the rows of <paramref name="x"/> (n×d float32).</summary>
    Tensor Aggregate(Tensor x, TensorCall call);

    /// <summary>As <see cref="SimByz.Aggregation.IAggregator.UsesValidation"/>.</summary>
    bool UsesValidation => false;

    /// <summary>Forgets state carried across rounds.</summary>
    void Reset() { }
}

/// <summary>A pre-aggregator: maps the n×d input to an m×d tensor fed to the next stage.</summary>
internal interface ITensorPreAggregator
{
    string Spec { get; }

    /// <summary>
    /// Transforms <paramref name="x"/>; for every input i, <paramref name="origin"/>[i] is the output row
    /// it feeds and <paramref name="share"/>[i] its weight in it (as the managed pre-aggregators report).
    /// </summary>
    Tensor Transform(Tensor x, TensorCall call, Span<int> origin, Span<double> share);

    /// <summary>Forgets state (re-derives the random stream of seeded pre-aggregators).</summary>
    void Reset() { }
}
