using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SimByz.Specs;
using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// Multinomial (softmax) logistic regression over C classes: logits z = W·x + b, loss = mean
/// cross-entropy −log softmax(z)_y computed by the stable log-sum-exp.
/// </summary>
/// <remarks>
/// <para>Parameter layout (C·d + C values): W row-major (row c = the d weights of class c), then
/// b[0..C). Initialization: all zero (<c>init=zero</c>, the default), or PyTorch's <c>nn.Linear</c> default
/// (<c>init=torch</c>: W then b, every value U(±1/√d), <see cref="TorchInitialization"/>). Spec <c>softmax</c>,
/// <c>softmax:init=torch</c>; needs a classification dataset. Prediction:
/// the arg max of z, lowest class on ties.</para>
/// <para>Logits are float64 (<see cref="DetVec.Dot"/> plus the bias); softmax and its log use
/// <see cref="DetMath"/> after subtracting the largest logit, so huge logits stay finite. Gradient
/// row c accumulates (p_c − [c = y])/|B| · x in float32 over the batch in row order (zero
/// coefficients skipped; four rows share a pass, same roundings). Not thread-safe (scratch buffers).</para>
/// <para>With at most <see cref="ClassLanes"/> classes, at most <see cref="ClassLaneFeatureLimit"/> features, at least
/// <see cref="ClassLaneMinRows"/> rows and 512-bit vectors in hardware, the gradient's logits run with the classes across the lanes (<see cref="ClassLaneLogits"/>): each
/// logit goes through the same operations in the same order as DetVec.Dot plus the bias, so the same bits (a NaN logit is
/// NaN on both paths; when two NaNs with different payloads meet, which one x86 returns follows the operand order the JIT
/// emits, which neither path fixes: SimByz itself only makes the default NaN); it trades ten
/// short dot products per row (the default task has 20 features) for one vector per feature. The gradient's accumulation
/// stays class by class: with the classes across the lanes, a class whose coefficient is a float32 subnormal (a class the
/// model all but rules out, common late in training) would slow every lane's operation on cores that handle subnormal
/// operands by microcode assists (docs/PERFORMANCE.md).</para>
/// </remarks>
internal sealed class SoftmaxRegressionModel : IModel, IRowwiseEvaluation
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("softmax", "softmax regression, mean cross-entropy (stable log-sum-exp); layout W (C×d row-major) then b; zero init",
            "multinomial logistic regression; init=torch: PyTorch nn.Linear.reset_parameters", "classification data, C ≥ 2",
            [TorchInitialization.Parameter(DefaultInit, "every parameter 0")]);

    /// <summary>The name of this model's own initialization (<see cref="ModelInitialization.Default"/>).</summary>
    internal const string DefaultInit = "zero";

    private const string Name = "softmax";
    private readonly int _features;
    private readonly int _classes;
    private readonly ModelInitialization _init;
    private readonly double[] _logits;
    private readonly double[] _probabilities;
    private float[] _dz = [];
    private int[] _rowScratch = [];
    private float[] _coefficientScratch = [];
    // W laid out feature by feature for the class-lane logits: scratch of one call, per thread rather than per model,
    // since every worker holds a model of its own and this would add its size to each of them.
    [ThreadStatic]
    private static float[]? t_weightsByFeature;

    /// <summary>The most classes the class-lane logits take (one 512-bit vector of float32 products).</summary>
    internal const int ClassLanes = 16;

    /// <summary>The most features for the class-lane logits: each lane's DetVec order is a chain of additions per
    /// feature, which for long rows is slower than <see cref="Kernels.MatVec"/>'s four rows side by side.</summary>
    internal const int ClassLaneFeatureLimit = 64;

    /// <summary>The fewest rows for the class-lane logits: laying W out per feature costs about what the class lanes save on
    /// two or three rows (at 100 000 workers of the default task each gradient has two rows, and was slower that way).</summary>
    internal const int ClassLaneMinRows = 8;

    /// <summary>Whether <see cref="LossAndGradient"/> forms its logits with <see cref="ClassLaneLogits"/> for batches of at least
    /// <see cref="ClassLaneMinRows"/> rows (tests compare the two paths).</summary>
    internal bool UsesClassLanes => ClassLanesEnabled && _classes <= ClassLanes && _features <= ClassLaneFeatureLimit && Vector512.IsHardwareAccelerated;

    /// <summary>Tests turn the class-lane logits off to compare with <see cref="Kernels.MatVec"/>'s.</summary>
    internal bool ClassLanesEnabled { get; set; } = true;

    public SoftmaxRegressionModel(int featureCount, int classCount, ModelInitialization init = ModelInitialization.Default)
    {
        _init = init;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        _features = featureCount;
        _classes = classCount;
        _logits = new double[classCount];
        _probabilities = new double[classCount];
    }

    public string Spec => _init == ModelInitialization.Torch ? Name + ":" + TorchInitialization.SpecSuffix(_init) : Name;

    public int ParameterCount => _classes * (_features + 1);

    public void Initialize(Span<float> parameters, RandomStream rng)
    {
        Kernels.CheckGradient(Name, ParameterCount, parameters);
        parameters.Clear();
        if (_init == ModelInitialization.Torch)
        {
            int bias = _classes * _features;
            TorchInitialization.Fill(parameters[..bias], _features, rng);
            TorchInitialization.Fill(parameters[bias..], _features, rng);
        }
    }

    private void Logits(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x)
    {
        int bias = _classes * _features;
        Kernels.MatVec(parameters[..bias], parameters.Slice(bias, _classes), x, _logits);
    }

    /// <summary>Lays W out feature by feature, in this thread's scratch, for <see cref="ClassLaneLogits"/> (W[j] = the weights of feature j for
    /// every class, zero-padded to <see cref="ClassLanes"/>); returns the bias widened to float64.</summary>
    private (Vector512<double> Low, Vector512<double> High) PrepareClassLanes(ReadOnlySpan<float> parameters)
    {
        int d = _features, bias = _classes * d;
        t_weightsByFeature ??= [];
        float[] byFeature = Kernels.Ensure(ref t_weightsByFeature, d * ClassLanes);
        byFeature.AsSpan(0, d * ClassLanes).Clear();
        for (int c = 0; c < _classes; c++)
        {
            var w = parameters.Slice(c * d, d);
            for (int j = 0; j < d; j++) byFeature[j * ClassLanes + c] = w[j];
        }
        Span<float> lanes = stackalloc float[ClassLanes];
        lanes.Clear();
        parameters.Slice(bias, _classes).CopyTo(lanes);
        return Vector512.Widen(Vector512.Create((ReadOnlySpan<float>)lanes));
    }

    /// <summary>
    /// The logits of <paramref name="x"/> for every class at once (after <see cref="PrepareClassLanes"/>), each in
    /// DetVec.Dot's order: lane k = 0 + Σ over the blocks of eight features of the widened float32 products
    /// w[j]·x[j], j ≡ k mod 8; then 0 + lane 0 + … + lane 7; then the tail's products in index order; then + bias.
    /// Here the classes are the vector lanes and those sums the same sequence per lane, so each logit has the bits of
    /// <see cref="Kernels.MatVec"/>'s.
    /// </summary>
    private void ClassLaneLogits(ReadOnlySpan<float> x, in (Vector512<double> Low, Vector512<double> High) bias)
    {
        int d = _features, blocks = d & ~7;
        ref float rw = ref MemoryMarshal.GetArrayDataReference(t_weightsByFeature!);
        Vector512<double> s0 = Vector512<double>.Zero, s1 = Vector512<double>.Zero;
        for (int k = 0; k < 8; k++)
        {
            Vector512<double> l0 = Vector512<double>.Zero, l1 = Vector512<double>.Zero;
            for (int j = k; j < blocks; j += 8)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref rw, (nuint)(j * ClassLanes)) * Vector512.Create(x[j]));
                l0 += lo;
                l1 += hi;
            }
            s0 += l0;
            s1 += l1;
        }
        for (int j = blocks; j < d; j++)
        {
            var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref rw, (nuint)(j * ClassLanes)) * Vector512.Create(x[j]));
            s0 += lo;
            s1 += hi;
        }
        Span<double> logits = stackalloc double[ClassLanes];
        (s0 + bias.Low).StoreUnsafe(ref MemoryMarshal.GetReference(logits));
        (s1 + bias.High).StoreUnsafe(ref MemoryMarshal.GetReference(logits), 8);
        logits[.._classes].CopyTo(_logits);
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        Kernels.CheckGradient(Name, ParameterCount, gradient);
        int[] labels = Kernels.RequireLabels(Name, data);
        gradient.Clear();
        int bias = _classes * _features, n = rows.Length;
        float[] dz = Kernels.Ensure(ref _dz, _classes * n);
        Kernels.Ensure(ref _rowScratch, n);
        Kernels.Ensure(ref _coefficientScratch, n);
        double inv = 1.0 / n, loss = 0;
        bool classLanes = UsesClassLanes && n >= ClassLaneMinRows;
        var classBias = classLanes ? PrepareClassLanes(parameters) : default;
        for (int b = 0; b < n; b++)
        {
            int r = rows[b];
            if (classLanes) ClassLaneLogits(data.Example(r), classBias);
            else Logits(parameters, data.Example(r));
            int y = labels[r];
            loss += Kernels.SoftmaxCrossEntropy(_logits, y, _probabilities);
            for (int c = 0; c < _classes; c++) dz[c * n + b] = (float)((_probabilities[c] - (c == y ? 1.0 : 0.0)) * inv);
        }
        // Class by class: row c of the gradient accumulates dz[b,c]·x_b over the batch in row order.
        for (int c = 0; c < _classes; c++)
        {
            var coefficients = dz.AsSpan(c * n, n);
            Kernels.AccumulateRows(gradient.Slice(c * _features, _features), data.Features, rows, coefficients, _rowScratch, _coefficientScratch);
            float gb = 0;
            foreach (float v in coefficients) gb += v;
            gradient[bias + c] = gb;
        }
        return loss / n;
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
            loss += RowLoss(parameters, data, labels, r, out bool hit);
            if (hit) correct++;
        }
        return new(loss / rows.Length, (double)correct / rows.Length);
    }

    /// <summary>Each row's cross-entropy and whether its largest logit is its label: the terms <see cref="Evaluate"/> adds.</summary>
    public void EvaluateEach(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<double> loss, Span<bool> hit)
    {
        Kernels.CheckCall(Name, ParameterCount, _features, parameters, data, rows.Length);
        int[] labels = Kernels.RequireLabels(Name, data);
        for (int i = 0; i < rows.Length; i++) loss[i] = RowLoss(parameters, data, labels, rows[i], out hit[i]);
    }

    /// <summary>One row's loss; a dataset kept as bytes has the row copied out (the same values), so its floats are never made.</summary>
    private double RowLoss(ReadOnlySpan<float> parameters, Dataset data, int[] labels, int r, out bool hit)
    {
        ReadOnlySpan<float> x;
        if (data.KeptAsBytes)
        {
            var row = _row ??= new float[_features];
            data.CopyExample(r, row);
            x = row;
        }
        else
        {
            x = data.Example(r);
        }
        Logits(parameters, x);
        int y = labels[r];
        hit = Kernels.ArgMax(_logits) == y;
        return Kernels.SoftmaxCrossEntropy(_logits, y, default);
    }

    private float[]? _row;

    public IModel Clone() => new SoftmaxRegressionModel(_features, _classes, _init) { ClassLanesEnabled = ClassLanesEnabled };
}
