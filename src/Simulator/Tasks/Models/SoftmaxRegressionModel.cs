using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// Multinomial (softmax) logistic regression over C classes: logits z = W·x + b, loss = mean
/// cross-entropy −log softmax(z)_y computed by the stable log-sum-exp.
/// </summary>
/// <remarks>
/// <para>Parameter layout (C·d + C values): W row-major (row c = the d weights of class c), then
/// b[0..C). Initialization: all zero. Spec <c>softmax</c>; needs a classification dataset. Prediction:
/// the arg max of z, lowest class on ties.</para>
/// <para>Logits are float64 (<see cref="DetVec.Dot"/> plus the bias); softmax and its log use
/// <see cref="DetMath"/> after subtracting the largest logit, so huge logits stay finite. Gradient
/// rows accumulate (p_c − [c = y])/|B| · x in float32 in row order. Not thread-safe (scratch buffers).</para>
/// </remarks>
internal sealed class SoftmaxRegressionModel : IModel
{
    private const string Name = "softmax";
    private readonly int _features;
    private readonly int _classes;
    private readonly double[] _logits;
    private readonly double[] _probabilities;
    private readonly float[] _scratch;

    public SoftmaxRegressionModel(int featureCount, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        _features = featureCount;
        _classes = classCount;
        _logits = new double[classCount];
        _probabilities = new double[classCount];
        _scratch = new float[featureCount];
    }

    public string Spec => Name;

    public int ParameterCount => _classes * (_features + 1);

    public void Initialize(Span<float> parameters, RandomStream rng)
    {
        Kernels.CheckGradient(Name, ParameterCount, parameters);
        parameters.Clear();
    }

    private void Logits(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x)
    {
        int bias = _classes * _features;
        for (int c = 0; c < _classes; c++)
        {
            _logits[c] = DetVec.Dot(parameters.Slice(c * _features, _features), x) + parameters[bias + c];
        }
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        Kernels.CheckGradient(Name, ParameterCount, gradient);
        int[] labels = Kernels.RequireLabels(Name, data);
        gradient.Clear();
        int bias = _classes * _features;
        double inv = 1.0 / rows.Length, loss = 0;
        foreach (int r in rows)
        {
            var x = data.Example(r);
            Logits(parameters, x);
            int y = labels[r];
            loss += Kernels.SoftmaxCrossEntropy(_logits, y, _probabilities);
            for (int c = 0; c < _classes; c++)
            {
                float dz = (float)((_probabilities[c] - (c == y ? 1.0 : 0.0)) * inv);
                Kernels.AddScaled(gradient.Slice(c * _features, _features), x, dz, _scratch);
                gradient[bias + c] += dz;
            }
        }
        return loss / rows.Length;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => Evaluate(parameters, data, rows).Loss;

    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        int[] labels = Kernels.RequireLabels(Name, data);
        double loss = 0;
        int correct = 0;
        foreach (int r in rows)
        {
            Logits(parameters, data.Example(r));
            int y = labels[r];
            loss += Kernels.SoftmaxCrossEntropy(_logits, y, default);
            if (Kernels.ArgMax(_logits) == y) correct++;
        }
        return new(loss / rows.Length, (double)correct / rows.Length);
    }

    public IModel Clone() => new SoftmaxRegressionModel(_features, _classes);
}
