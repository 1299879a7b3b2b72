using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks;

/// <summary>
/// A model whose <see cref="IModel.Evaluate"/> is, by construction, the row-order mean of per-row results: each row's
/// loss added in row order and divided by the count, the accuracy the count of rows whose prediction is their label.
/// The server then evaluates large sets in fixed chunks on the worker pool (each chunk with its own clone) and adds
/// the per-row losses itself in row order, with the bits of the one-call evaluation whatever the thread count.
/// </summary>
internal interface IRowwiseEvaluation
{
    /// <summary>Each row's loss and whether it is predicted right: what <see cref="IModel.Evaluate"/> adds up, row by row.</summary>
    void EvaluateEach(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<double> loss, Span<bool> hit);
}
