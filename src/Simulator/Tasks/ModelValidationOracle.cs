using SimByz.Aggregation;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Sampling;

namespace SimByz.Simulator.Tasks;

/// <summary>
/// The server's validation oracle for Zeno and Zeno++: the loss (and gradient) of the current
/// validation batch under a model, evaluated in inference mode (the managed models have no dropout
/// or batch statistics, so inference and training forward passes coincide).
/// </summary>
/// <remarks>
/// The simulator decides which batch is current: <see cref="SetBatch"/> copies the given rows, or
/// <see cref="DrawBatch"/> takes the next batch of a <see cref="MinibatchSampler"/> (Zeno draws one
/// per round from the sampler of purpose server.validation). Owns its model instance (pass a
/// <see cref="IModel.Clone"/>). No allocation per call after the batch buffer has grown. Not thread-safe.
/// </remarks>
public sealed class ModelValidationOracle : IValidationOracle
{
    private readonly IModel _model;
    private readonly Dataset _data;
    private int[] _rows = [];
    private int _count;

    public ModelValidationOracle(IModel model, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        _model = model;
        _data = data;
    }

    public int Dimension => _model.ParameterCount;

    /// <summary>The rows of the current batch.</summary>
    public ReadOnlySpan<int> Batch => _rows.AsSpan(0, _count);

    /// <summary>Makes <paramref name="rows"/> (of the oracle's dataset) the current batch.</summary>
    public void SetBatch(ReadOnlySpan<int> rows)
    {
        if (rows.IsEmpty) throw new ArgumentException("a validation batch needs at least one row", nameof(rows));
        if (_rows.Length < rows.Length) _rows = new int[rows.Length];
        rows.CopyTo(_rows);
        _count = rows.Length;
    }

    /// <summary>Makes the next batch of <paramref name="sampler"/> the current batch.</summary>
    public void DrawBatch(MinibatchSampler sampler) => SetBatch(sampler.Next());

    public double Loss(ReadOnlySpan<float> parameters)
    {
        EnsureBatch();
        return _model.Loss(parameters, _data, Batch);
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        EnsureBatch();
        return _model.LossAndGradient(parameters, _data, Batch, gradient);
    }

    private void EnsureBatch()
    {
        if (_count == 0) throw new InvalidOperationException("no validation batch set: call SetBatch or DrawBatch first");
    }
}
