using SimByz.Specs;
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
/// U(±√(6/(fan_in + fan_out))) (Glorot and Bengio 2010); every bias zero (<c>init=he-glorot</c>, the default).
/// <c>init=torch</c>: PyTorch's <c>nn.Linear</c> default, every weight and then every bias of a layer
/// U(±1/√fan_in) (<see cref="TorchInitialization"/>). Spec <c>mlp:hidden=64</c>, <c>mlp:hidden=128;64</c>,
/// <c>mlp:hidden=100,init=torch</c>.</para>
/// <para>Hidden pre-activations are rounded to float32 (a float32 network); ReLU'(0) = 0. Output
/// logits and the softmax are float64 with the stable log-sum-exp. Backpropagation computes each
/// example's deltas in row order (δ_{l−1} = W_lᵀδ_l ⊙ ReLU', rows of W_l added in unit order), then
/// each weight row accumulates δ·input over the batch in row order, in float32 with multiply and add
/// rounded separately; exactly-zero deltas are skipped (adding zero would not change a finite sum).
/// Deterministic bit for bit; not thread-safe (scratch buffers, grown to the largest batch seen).</para>
/// </remarks>
internal sealed class MlpModel : IModel, IRowwiseEvaluation
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("mlp", "MLP with 1 or 2 ReLU hidden layers and softmax cross-entropy output; per layer W (out×in row-major) then b; He-uniform hidden, Glorot-uniform output, zero biases",
            "He et al. 2015 (init), Glorot and Bengio 2010 (init); init=torch: PyTorch nn.Linear.reset_parameters", "classification data, C ≥ 2",
            [
                new ParameterInfo("hidden", "1 or 2 sizes separated by ';'", "64", "hidden layer widths, e.g. 128;64"),
                TorchInitialization.Parameter(DefaultInit, "He-uniform hidden weights, Glorot-uniform output weights, zero biases"),
            ]);

    /// <summary>The name of this model's own initialization (<see cref="ModelInitialization.Default"/>).</summary>
    internal const string DefaultInit = "he-glorot";

    private const string Name = "mlp";
    private readonly int[] _sizes; // d, h1, [h2], C
    private readonly ModelInitialization _init;
    private readonly int[] _weightOffset;
    private readonly int[] _biasOffset;
    private readonly float[][] _pre;   // one example's hidden pre-activations (layers 1..L−1), for evaluation
    private readonly float[][] _act;   // one example's hidden activations (layers 1..L−1), for evaluation
    private readonly float[][] _delta; // one example's ∂L/∂pre-activation per layer (1..L)
    private readonly float[][] _batchPre = [[], [], []];   // per hidden layer: batch × width, row-major
    private readonly float[][] _batchAct = [[], [], []];   // per hidden layer: batch × width, row-major
    private readonly float[][] _batchDelta = [[], [], [], []]; // per layer: width × batch (unit-major)
    private readonly double[] _logits;
    private readonly double[] _probabilities;
    private readonly double[] _hidden;  // one layer's pre-activations in float64, before rounding
    private readonly int[] _units;     // 0, 1, …, widest − 1
    private int[] _batchIndex = [];    // 0, 1, …, batch − 1
    private int[] _rowScratch = [];
    private double[] _batchFirst = [];  // batch × h₁: the first layer's pre-activations in float64 (one matrix product)
    private float[] _coefficientScratch = [];

    public MlpModel(int featureCount, IReadOnlyList<int> hidden, int classCount, ModelInitialization init = ModelInitialization.Default)
    {
        _init = init;
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
        int widest = 1;
        for (int l = 1; l <= layers; l++)
        {
            _weightOffset[l] = checked((int)offset);
            offset += (long)_sizes[l] * _sizes[l - 1];
            _biasOffset[l] = checked((int)offset);
            offset += _sizes[l];
            _pre[l] = new float[_sizes[l]];
            _act[l] = new float[_sizes[l]];
            _delta[l] = new float[_sizes[l]];
            widest = Math.Max(widest, _sizes[l]);
        }
        ParameterCount = checked((int)offset);
        _logits = new double[classCount];
        _probabilities = new double[classCount];
        _hidden = new double[widest];
        _units = new int[widest];
        for (int i = 0; i < widest; i++) _units[i] = i;
        Spec = Name + ":hidden=" + string.Join(";", hidden) + (init == ModelInitialization.Torch ? "," + TorchInitialization.SpecSuffix(init) : "");
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
            if (_init == ModelInitialization.Torch)
            {
                TorchInitialization.Fill(parameters.Slice(_weightOffset[l], fanIn * fanOut), fanIn, rng);
                TorchInitialization.Fill(parameters.Slice(_biasOffset[l], fanOut), fanIn, rng);
                continue;
            }
            double limit = l < Layers ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
            Kernels.FillUniform(parameters.Slice(_weightOffset[l], fanIn * fanOut), limit, rng);
        }
    }

    /// <summary>
    /// Forward pass of one example: hidden pre-activations and activations into
    /// <paramref name="pre"/>/<paramref name="act"/> (per layer, at row <paramref name="example"/>), logits into _logits.
    /// </summary>
    /// <remarks>When <c>firstLayer</c> is not empty it holds the first layer's pre-activations of this example in float64,
    /// already computed for the whole minibatch by <see cref="Kernels.MatMul"/> (the same bits as MatVec here).</remarks>
    private void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, float[][] pre, float[][] act, int example,
        ReadOnlySpan<double> firstLayer = default)
    {
        ReadOnlySpan<float> input = x;
        for (int l = 1; l < Layers; l++)
        {
            int fanIn = _sizes[l - 1], width = _sizes[l];
            var p = pre[l].AsSpan(example * width, width);
            var a = act[l].AsSpan(example * width, width);
            Span<double> z = _hidden.AsSpan(0, width);
            if (l == 1 && !firstLayer.IsEmpty) firstLayer.CopyTo(z);
            else Kernels.MatVec(parameters.Slice(_weightOffset[l], width * fanIn), parameters.Slice(_biasOffset[l], width), input, z);
            for (int j = 0; j < width; j++) p[j] = (float)z[j];
            Kernels.KeepWherePositive(p, p, a);
            input = a;
        }
        int last = Layers, inLast = _sizes[last - 1];
        Kernels.MatVec(parameters.Slice(_weightOffset[last], _logits.Length * inLast), parameters.Slice(_biasOffset[last], _logits.Length), input, _logits);
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Kernels.CheckCall(Name, ParameterCount, _sizes[0], parameters, data, rows.Length);
        Kernels.CheckGradient(Name, ParameterCount, gradient);
        int[] labels = Kernels.RequireLabels(Name, data);
        gradient.Clear();
        int n = rows.Length;
        EnsureBatch(n);
        double inv = 1.0 / n, loss = 0;
        // The minibatch's inputs: the dataset's own rows, or (a byte dataset) its rows copied out as floats.
        var source = Inputs(data, rows, out var sourceRows);
        // The first layer of the whole minibatch in one matrix product (each element as MatVec computes it alone).
        int h1 = _sizes[1], f = _sizes[0];
        Kernels.MatMul(parameters.Slice(_weightOffset[1], h1 * f), parameters.Slice(_biasOffset[1], h1), source, sourceRows,
            _batchFirst.AsSpan(0, n * h1));
        // Pass 1, example by example: forward, loss, and the deltas of every layer.
        for (int b = 0; b < n; b++)
        {
            int r = rows[b];
            Forward(parameters, source.Slice(sourceRows[b] * f, f), _batchPre, _batchAct, b, _batchFirst.AsSpan(b * h1, h1));
            int y = labels[r];
            loss += Kernels.SoftmaxCrossEntropy(_logits, y, _probabilities);
            float[] top = _delta[Layers];
            for (int c = 0; c < top.Length; c++) top[c] = (float)((_probabilities[c] - (c == y ? 1.0 : 0.0)) * inv);
            for (int l = Layers; l >= 1; l--)
            {
                float[] delta = _delta[l], unitMajor = _batchDelta[l];
                for (int j = 0; j < delta.Length; j++) unitMajor[j * n + b] = delta[j];
                if (l == 1) break;
                // δ_{l−1} = (W_lᵀ δ_l) ⊙ ReLU'(z_{l−1}): rows of W_l added in unit order, zero deltas skipped.
                int fanIn = _sizes[l - 1];
                Span<float> below = _delta[l - 1];
                below.Clear();
                Kernels.AccumulateRows(below, parameters.Slice(_weightOffset[l], delta.Length * fanIn), _units.AsSpan(0, delta.Length), delta,
                    _rowScratch, _coefficientScratch);
                var pre = _batchPre[l - 1].AsSpan(b * fanIn, fanIn);
                Kernels.KeepWherePositive(pre, below, below);
            }
        }
        // Pass 2, unit by unit: row j of W_l accumulates δ_l[b, j]·input_b over the batch in row order.
        for (int l = 1; l <= Layers; l++)
        {
            int fanIn = _sizes[l - 1], width = _sizes[l];
            ReadOnlySpan<float> inputs = l == 1 ? source : _batchAct[l - 1].AsSpan(0, n * fanIn);
            ReadOnlySpan<int> inputRows = l == 1 ? sourceRows : _batchIndex.AsSpan(0, n);
            for (int j = 0; j < width; j++)
            {
                var coefficients = _batchDelta[l].AsSpan(j * n, n);
                Kernels.AccumulateRows(gradient.Slice(_weightOffset[l] + j * fanIn, fanIn), inputs, inputRows, coefficients, _rowScratch, _coefficientScratch);
                float gb = 0;
                foreach (float v in coefficients) gb += v;
                gradient[_biasOffset[l] + j] = gb;
            }
        }
        return loss / n;
    }

    /// <summary>Where the inputs of <paramref name="rows"/> are read: the dataset's features at those rows, or, for a
    /// dataset kept as bytes (<see cref="Dataset.KeptAsBytes"/>), the rows copied out as floats (the same values) at
    /// rows 0..n−1 of a scratch, so its float features are never made.</summary>
    private ReadOnlySpan<float> Inputs(Dataset data, ReadOnlySpan<int> rows, out ReadOnlySpan<int> sourceRows)
    {
        if (!data.KeptAsBytes)
        {
            sourceRows = rows;
            return data.Features;
        }
        int n = rows.Length, f = _sizes[0];
        var gathered = t_gathered ?? [];
        Kernels.Ensure(ref gathered, n * f);
        t_gathered = gathered;
        EnsureBatchIndex(n);
        data.CopyRows(rows, gathered.AsSpan(0, n * f));
        sourceRows = _batchIndex.AsSpan(0, n);
        return gathered.AsSpan(0, n * f);
    }

    /// <summary>Grows <c>_batchIndex</c> (0, 1, …) to at least <paramref name="n"/> entries.</summary>
    private void EnsureBatchIndex(int n)
    {
        if (_batchIndex.Length >= n) return;
        _batchIndex = new int[Math.Max(n, 2 * _batchIndex.Length)];
        for (int i = 0; i < _batchIndex.Length; i++) _batchIndex[i] = i;
    }

    private void EnsureBatch(int n)
    {
        EnsureBatchIndex(n);
        Kernels.Ensure(ref _batchFirst, _sizes[1] * n);
        Kernels.Ensure(ref _rowScratch, Math.Max(n, _units.Length));
        Kernels.Ensure(ref _coefficientScratch, Math.Max(n, _units.Length));
        for (int l = 1; l <= Layers; l++)
        {
            Kernels.Ensure(ref _batchDelta[l], _sizes[l] * n);
            if (l < Layers)
            {
                Kernels.Ensure(ref _batchPre[l], _sizes[l] * n);
                Kernels.Ensure(ref _batchAct[l], _sizes[l] * n);
            }
        }
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => Evaluate(parameters, data, rows).Loss;

    /// <summary>The mean cross-entropy and the accuracy over <paramref name="rows"/>: each row's loss as
    /// <see cref="EvaluateEach"/> gives it, added in row order, divided by the count.</summary>
    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        Kernels.CheckCall(Name, ParameterCount, _sizes[0], parameters, data, rows.Length);
        double loss = 0;
        int correct = 0;
        Span<double> blockLoss = stackalloc double[EvaluationBlock];
        Span<bool> blockHit = stackalloc bool[EvaluationBlock];
        for (int start = 0; start < rows.Length; start += EvaluationBlock)
        {
            int count = Math.Min(EvaluationBlock, rows.Length - start);
            EvaluateEach(parameters, data, rows.Slice(start, count), blockLoss, blockHit);
            for (int b = 0; b < count; b++)
            {
                loss += blockLoss[b];
                if (blockHit[b]) correct++;
            }
        }
        return new(loss / rows.Length, (double)correct / rows.Length);
    }

    /// <summary>How many rows <see cref="EvaluateEach"/> puts through the first layer in one matrix product.</summary>
    private const int EvaluationBlock = 32;

    private double[] _evalFirst = []; // EvaluationBlock × h₁: the first layer of a block of evaluated rows
    /// <summary>rows × d: a byte dataset's rows copied out as floats, one per thread (used only within one call), so a
    /// thousand workers' model copies do not each hold a batch of inputs.</summary>
    [ThreadStatic]
    private static float[]? t_gathered;

    /// <summary>
    /// Each row's cross-entropy (float64, the stable log-sum-exp) and whether its largest logit is its label
    /// (<see cref="Evaluate"/> of that row alone: the same bits): the first layer of <see cref="EvaluationBlock"/> rows at
    /// a time in one <see cref="Kernels.MatMul"/> (each element the bits of MatVec), the rest row by row.
    /// </summary>
    public void EvaluateEach(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<double> loss, Span<bool> hit)
    {
        Kernels.CheckCall(Name, ParameterCount, _sizes[0], parameters, data, rows.Length);
        int[] labels = Kernels.RequireLabels(Name, data);
        if (loss.Length < rows.Length || hit.Length < rows.Length) throw new ArgumentException("loss and hit need one entry per row");
        int h1 = _sizes[1];
        Kernels.Ensure(ref _evalFirst, EvaluationBlock * h1);
        for (int start = 0; start < rows.Length; start += EvaluationBlock)
        {
            var block = rows.Slice(start, Math.Min(EvaluationBlock, rows.Length - start));
            var first = _evalFirst.AsSpan(0, block.Length * h1);
            var source = Inputs(data, block, out var sourceRows);
            Kernels.MatMul(parameters.Slice(_weightOffset[1], h1 * _sizes[0]), parameters.Slice(_biasOffset[1], h1), source, sourceRows, first);
            for (int b = 0; b < block.Length; b++)
            {
                int r = block[b];
                Forward(parameters, source.Slice(sourceRows[b] * _sizes[0], _sizes[0]), _pre, _act, 0, first.Slice(b * h1, h1));
                int y = labels[r];
                loss[start + b] = Kernels.SoftmaxCrossEntropy(_logits, y, default);
                hit[start + b] = Kernels.ArgMax(_logits) == y;
            }
        }
    }

    public IModel Clone() => new MlpModel(_sizes[0], _sizes[1..^1], _sizes[^1], _init);
}
