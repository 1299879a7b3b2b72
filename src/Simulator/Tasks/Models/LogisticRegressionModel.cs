using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// Binary logistic regression: z = w·x + b, P(y = 1) = σ(z), loss = mean binary cross-entropy
/// −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y·z, labels 0/1.
/// </summary>
/// <remarks>
/// <para>Parameter layout (d + 1 values): w[0..d) then b. Initialization: all zero. Spec
/// <c>logistic</c>; needs a classification dataset with exactly 2 classes. Prediction: class 1 iff
/// z &gt; 0.</para>
/// <para>The loss uses <see cref="DetMath.Softplus"/> (softplus(−z) for y = 1, softplus(z) for
/// y = 0), finite for any finite z; ∂/∂z = σ(z) − y by <see cref="DetMath.Sigmoid"/>. Deterministic
/// as <see cref="LinearRegressionModel"/>. Not thread-safe by contract (stateless today).</para>
/// </remarks>
internal sealed class LogisticRegressionModel : IModel
{
    private const string Name = "logistic";
    private readonly int _features;

    public LogisticRegressionModel(int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        _features = featureCount;
    }

    public string Spec => Name;

    public int ParameterCount => _features + 1;

    public void Initialize(Span<float> parameters, RandomStream rng)
    {
        Kernels.CheckGradient(Name, ParameterCount, parameters);
        parameters.Clear();
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        Kernels.CheckGradient(Name, ParameterCount, gradient);
        int[] labels = Kernels.RequireLabels(Name, data);
        var w = parameters[.._features];
        double b = parameters[_features];
        var gw = gradient[.._features];
        gradient.Clear();
        double inv = 1.0 / rows.Length, loss = 0;
        float gb = 0;
        foreach (int r in rows)
        {
            var x = data.Example(r);
            double z = DetVec.Dot(w, x) + b;
            int y = labels[r];
            loss += y == 1 ? DetMath.Softplus(-z) : DetMath.Softplus(z);
            float dz = (float)((DetMath.Sigmoid(z) - y) * inv);
            Kernels.AddScaled(gw, x, dz);
            gb += dz;
        }
        gradient[_features] = gb;
        return loss / rows.Length;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => Evaluate(parameters, data, rows).Loss;

    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        int[] labels = Kernels.RequireLabels(Name, data);
        var w = parameters[.._features];
        double b = parameters[_features], loss = 0;
        int correct = 0;
        foreach (int r in rows)
        {
            double z = DetVec.Dot(w, data.Example(r)) + b;
            int y = labels[r];
            loss += y == 1 ? DetMath.Softplus(-z) : DetMath.Softplus(z);
            if ((z > 0 ? 1 : 0) == y) correct++;
        }
        return new(loss / rows.Length, (double)correct / rows.Length);
    }

    public IModel Clone() => new LogisticRegressionModel(_features);
}
