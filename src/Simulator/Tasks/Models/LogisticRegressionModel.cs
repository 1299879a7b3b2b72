using SimByz.Specs;
using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// Binary logistic regression: z = w·x + b, P(y = 1) = σ(z), loss = mean binary cross-entropy
/// −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y·z, labels 0/1.
/// </summary>
/// <remarks>
/// <para>Spec <c>logistic</c>; needs a classification dataset with exactly 2 classes. Prediction:
/// class 1 iff z &gt; 0. Layout, initialization and determinism: <see cref="LinearPredictorModel{TLabel}"/>.</para>
/// <para>The loss uses <see cref="DetMath.Softplus"/> (softplus(−z) for y = 1, softplus(z) for
/// y = 0), finite for any finite z; ∂/∂z = σ(z) − y by <see cref="DetMath.Sigmoid"/>.</para>
/// </remarks>
internal sealed class LogisticRegressionModel(int featureCount) : LinearPredictorModel<int>("logistic", featureCount)
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("logistic", "binary logistic regression, mean cross-entropy, labels 0/1; layout w then b; zero init",
            "logistic regression", "classification data with 2 classes", []);

    protected override bool HasAccuracy => true;

    protected override int[] Labels(Dataset data) => Kernels.RequireLabels(Spec, data);

    protected override double RowLoss(double z, int y, out double dz)
    {
        dz = DetMath.Sigmoid(z) - y;
        return y == 1 ? DetMath.Softplus(-z) : DetMath.Softplus(z);
    }

    protected override bool Correct(double z, int y) => (z > 0 ? 1 : 0) == y;

    protected override IModel Create(int featureCount) => new LogisticRegressionModel(featureCount);
}
