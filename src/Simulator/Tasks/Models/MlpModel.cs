using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// A multilayer perceptron with one or two ReLU hidden layers and a softmax cross-entropy output:
/// d → h₁ (→ h₂) → C.
/// </summary>
/// <remarks>
/// <para>Parameter layout: for each layer in order (hidden 1, [hidden 2], output), its weight matrix
/// W (fan-out × fan-in, row-major: row j holds the fan-in weights of unit j), then its bias b
/// (fan-out). Total Σ_l out_l·(in_l + 1).</para>
/// <para>Initialization from the given stream, layer by layer, weights row by row: hidden layers
/// He-uniform, U(±√(6/fan_in)) (He et al. 2015, for ReLU); the output layer Glorot-uniform,
/// U(±√(6/(fan_in + fan_out))) (Glorot and Bengio 2010); every bias zero. Spec
/// <c>mlp:hidden=64</c> or <c>mlp:hidden=128;64</c>.</para>
/// <para>Hidden pre-activations are rounded to float32 (a float32 network); ReLU'(0) = 0. Output
/// logits and the softmax are float64 with the stable log-sum-exp. Backpropagation runs example by
/// example in row order, accumulating every gradient in float32 with multiply and add rounded
/// separately; units whose back-propagated delta is exactly zero are skipped (adding zero would
/// not change a finite sum). Deterministic bit for bit; not thread-safe (scratch buffers).</para>
/// </remarks>
internal sealed class MlpModel : IModel
{
    private const string Name = "mlp";
    private readonly int[] _sizes; // d, h1, [h2], C
    private readonly int[] _weightOffset;
    private readonly int[] _biasOffset;
    private readonly float[][] _pre;   // pre-activations of hidden layers (index 1..L)
    private readonly float[][] _act;   // activations of hidden layers (index 1..L); index 0 unused (input)
    private readonly float[][] _delta; // ∂L/∂pre-activation per layer (1..L+1)
    private readonly double[] _logits;
    private readonly double[] _probabilities;
    private readonly float[] _scratch;

    public MlpModel(int featureCount, IReadOnlyList<int> hidden, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (hidden.Count is < 1 or > 2) throw new ArgumentException("one or two hidden layers", nameof(hidden));
        _sizes = new int[hidden.Count + 2];
        _sizes[0] = featureCount;
        for (int i = 0; i < hidden.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden[i]);
            _sizes[i + 1] = hidden[i];
        }
        _sizes[^1] = classCount;
        int layers = _sizes.Length - 1;
        _weightOffset = new int[layers + 1];
        _biasOffset = new int[layers + 1];
        _pre = new float[layers + 1][];
        _act = new float[layers + 1][];
        _delta = new float[layers + 1][];
        long offset = 0;
        int widest = 0;
        for (int l = 1; l <= layers; l++)
        {
            _weightOffset[l] = checked((int)offset);
            offset += (long)_sizes[l] * _sizes[l - 1];
            _biasOffset[l] = checked((int)offset);
            offset += _sizes[l];
            _pre[l] = new float[_sizes[l]];
            _act[l] = new float[_sizes[l]];
            _delta[l] = new float[_sizes[l]];
            widest = Math.Max(widest, _sizes[l - 1]);
        }
        ParameterCount = checked((int)offset);
        _logits = new double[classCount];
        _probabilities = new double[classCount];
        _scratch = new float[widest];
        Spec = Name + ":hidden=" + string.Join(";", hidden);
    }

    public string Spec { get; }

    public int ParameterCount { get; }

    private int Layers => _sizes.Length - 1;

    public void Initialize(Span<float> parameters, RandomStream rng)
    {
        Kernels.CheckGradient(Name, ParameterCount, parameters);
        parameters.Clear();
        for (int l = 1; l <= Layers; l++)
        {
            int fanIn = _sizes[l - 1], fanOut = _sizes[l];
            double limit = l < Layers ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
            Kernels.FillUniform(parameters.Slice(_weightOffset[l], fanIn * fanOut), limit, rng);
        }
    }

    /// <summary>Forward pass of one example; leaves hidden activations in _pre/_act and logits in _logits.</summary>
    private void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x)
    {
        ReadOnlySpan<float> input = x;
        for (int l = 1; l < Layers; l++)
        {
            int fanIn = _sizes[l - 1];
            float[] pre = _pre[l], act = _act[l];
            for (int j = 0; j < pre.Length; j++)
            {
                float z = (float)(DetVec.Dot(parameters.Slice(_weightOffset[l] + j * fanIn, fanIn), input) + parameters[_biasOffset[l] + j]);
                pre[j] = z;
                act[j] = z > 0 ? z : 0f;
            }
            input = act;
        }
        int last = Layers, inLast = _sizes[last - 1];
        for (int c = 0; c < _logits.Length; c++)
        {
            _logits[c] = DetVec.Dot(parameters.Slice(_weightOffset[last] + c * inLast, inLast), input) + parameters[_biasOffset[last] + c];
        }
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Kernels.CheckCall(Name, ParameterCount, _sizes[0], parameters, data, rows.Length);
        Kernels.CheckGradient(Name, ParameterCount, gradient);
        int[] labels = Kernels.RequireLabels(Name, data);
        gradient.Clear();
        double inv = 1.0 / rows.Length, loss = 0;
        foreach (int r in rows)
        {
            var x = data.Example(r);
            Forward(parameters, x);
            int y = labels[r];
            loss += Kernels.SoftmaxCrossEntropy(_logits, y, _probabilities);
            float[] top = _delta[Layers];
            for (int c = 0; c < top.Length; c++) top[c] = (float)((_probabilities[c] - (c == y ? 1.0 : 0.0)) * inv);
            for (int l = Layers; l >= 1; l--)
            {
                ReadOnlySpan<float> input = l == 1 ? x : _act[l - 1];
                int fanIn = _sizes[l - 1];
                float[] delta = _delta[l];
                Span<float> below = l > 1 ? _delta[l - 1] : default;
                below.Clear();
                for (int j = 0; j < delta.Length; j++)
                {
                    float dj = delta[j];
                    if (dj == 0f) continue;
                    Kernels.AddScaled(gradient.Slice(_weightOffset[l] + j * fanIn, fanIn), input, dj, _scratch.AsSpan(0, fanIn));
                    gradient[_biasOffset[l] + j] += dj;
                    if (l > 1) Kernels.AddScaled(below, parameters.Slice(_weightOffset[l] + j * fanIn, fanIn), dj, _scratch.AsSpan(0, fanIn));
                }
                if (l > 1)
                {
                    float[] pre = _pre[l - 1];
                    for (int k = 0; k < below.Length; k++) if (!(pre[k] > 0)) below[k] = 0f;
                }
            }
        }
        return loss / rows.Length;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => Evaluate(parameters, data, rows).Loss;

    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        Kernels.CheckCall(Name, ParameterCount, _sizes[0], parameters, data, rows.Length);
        int[] labels = Kernels.RequireLabels(Name, data);
        double loss = 0;
        int correct = 0;
        foreach (int r in rows)
        {
            Forward(parameters, data.Example(r));
            int y = labels[r];
            loss += Kernels.SoftmaxCrossEntropy(_logits, y, default);
            if (Kernels.ArgMax(_logits) == y) correct++;
        }
        return new(loss / rows.Length, (double)correct / rows.Length);
    }

    public IModel Clone() => new MlpModel(_sizes[0], _sizes[1..^1], _sizes[^1]);
}
