using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks;

/// <summary>
/// A differentiable model over a flat float32 parameter vector, with its loss: what a worker
/// differentiates and the server evaluates.
/// </summary>
/// <remarks>
/// <para>Losses are means over the given rows. Gradients are analytic (managed backend) or autograd
/// (torch backend). The managed implementations are deterministic bit for bit: fixed summation
/// order, fixed-width vector lanes, no FMA, <see cref="DetMath"/> for exp/log, no dependence on the
/// thread count.</para>
/// <para>A model instance holds scratch buffers and belongs to one consumer at a time (each worker
/// and the server get their own through <see cref="Clone"/>).</para>
/// </remarks>
public interface IModel
{
    /// <summary>Canonical spec, e.g. <c>mlp:hidden=64</c>.</summary>
    string Spec { get; }

    /// <summary>Number of parameters d.</summary>
    int ParameterCount { get; }

    /// <summary>Writes the initial parameters, drawn from <paramref name="rng"/> (purpose <see cref="StreamPurpose.ModelInit"/>).</summary>
    void Initialize(Span<float> parameters, RandomStream rng);

    /// <summary>Mean loss over <paramref name="rows"/> of <paramref name="data"/>; writes its gradient.</summary>
    double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient);

    /// <summary>Mean loss over <paramref name="rows"/>, in inference mode.</summary>
    double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows);

    /// <summary>Mean loss and accuracy (fraction correct; NaN for regression) over <paramref name="rows"/>.</summary>
    Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows);

    /// <summary>A model of the same architecture with its own scratch buffers.</summary>
    IModel Clone();

    /// <summary>
    /// The prototype of one training run: the run clones its workers', validation and evaluation models
    /// from it, so nothing a run does (e.g. the batch-norm statistics and clone seeds of torch models,
    /// which an instance shares with its clones) reaches another run of the same setup. A run's results
    /// then do not depend on which other defences ran beside it or in which order. Default:
    /// <see cref="Clone"/> (managed models keep no shared state).
    /// </summary>
    IModel CloneForRun() => Clone();

    /// <summary>
    /// False when runs using this model must not execute concurrently because instances share
    /// process-wide state (torch's global random generator): the experiment and sweep runners then use
    /// one thread, so results stay independent of the thread count. Default true. True also lets one run
    /// compute its workers' gradients on several threads at once, each worker on its own clone (a synchronous
    /// round's messages; an asynchronous run's honest messages, <c>GradientPipeline</c>): clones must share no
    /// mutable state ([ThreadStatic] scratch is fine).
    /// </summary>
    bool SupportsParallelRuns => true;
}
