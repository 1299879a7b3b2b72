using SimByz.Specs;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// Linear regression with the squared loss: prediction ŷ = w·x + b, loss over a batch B
/// L = (1/(2|B|)) Σ_{i∈B} (w·x_i + b − y_i)² (half the mean squared error, so ∇_w L = mean of r_i·x_i).
/// </summary>
/// <remarks>Spec <c>linear</c>; needs a regression dataset (targets). Layout, initialization and
/// determinism: <see cref="LinearPredictorModel{TLabel}"/>. Accuracy is NaN.</remarks>
internal sealed class LinearRegressionModel(int featureCount) : LinearPredictorModel<float>("linear", featureCount)
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("linear", "linear regression ŷ = w·x + b, loss ½·mean (ŷ − y)²; layout w then b; zero init",
            "least squares", "regression data (targets)", []);

    protected override bool HasAccuracy => false;

    protected override float[] Labels(Dataset data) => Kernels.RequireTargets(Spec, data);

    protected override double RowLoss(double z, float y, out double dz)
    {
        double residual = z - y;
        dz = residual;
        return 0.5 * residual * residual;
    }

    protected override bool Correct(double z, float y) => false;

    protected override IModel Create(int featureCount) => new LinearRegressionModel(featureCount);
}
