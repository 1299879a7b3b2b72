using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;

namespace SimByz.Simulator.Engine;

/// <summary>
/// The server's validation oracle: the loss (and gradient) of the current validation batch, drawn
/// from the validation set with the server's own stream (<see cref="StreamPurpose.ServerValidation"/>).
/// Zeno's f_r: a new batch each round (sync) or each server version (async).
/// </summary>
internal sealed class ServerValidation : IValidationOracle
{
    private readonly IModel _model;
    private readonly Dataset _data;
    private readonly MinibatchSampler _sampler;
    private readonly int[] _batch;

    public ServerValidation(RunSetup setup)
    {
        _model = setup.Model.Clone();
        _data = setup.Validation;
        var all = new int[_data.Count];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        _sampler = new MinibatchSampler(all, RandomStreams.Derive(setup.Seed, StreamPurpose.ServerValidation, 0));
        _batch = new int[setup.ValidationBatchSize];
    }

    public int Dimension => _model.ParameterCount;

    /// <summary>Draws the next validation batch.</summary>
    public void NextBatch() => _sampler.Next(_batch);

    public double Loss(ReadOnlySpan<float> parameters) => _model.Loss(parameters, _data, _batch);

    public double LossAndGradient(ReadOnlySpan<float> parameters, Span<float> gradient)
        => _model.LossAndGradient(parameters, _data, _batch, gradient);
}
