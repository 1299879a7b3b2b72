using SimByz.Gpu.Aggregation;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace SimByz.Gpu.Models;

/// <summary>
/// An <see cref="IModel"/> backed by a TorchSharp module and autograd: a classifier over a flat float32
/// parameter vector with mean softmax cross-entropy loss (<c>torch-mlp</c>, <c>cnn</c>, <c>zeno-cnn</c>).
/// </summary>
/// <remarks>
/// <para>Parameter layout: the module's parameters in registration order (<c>named_parameters()</c>),
/// each flattened row-major (conv weights out×in×kh×kw, linear weights out×in, then biases; batch-norm
/// γ then β). Each call copies the flat vector into the module, and gradients back out of it.</para>
/// <para>Initialization is drawn in managed code from the given <see cref="RandomStream"/> (not from
/// torch's RNG): conv and hidden linear weights He-uniform U(±√(6/fan_in)), the output layer
/// Glorot-uniform U(±√(6/(fan_in+fan_out))), biases 0, batch-norm γ = 1 and β = 0. So the initial vector
/// is identical on every machine and backend. With <c>init=torch</c> (<see cref="ModelInitialization.Torch"/>):
/// PyTorch's <c>nn.Linear</c>/<c>nn.Conv2d</c> defaults, each weight and then its bias U(±1/√fan_in)
/// (<see cref="TorchInitialization"/>), batch-norm as above; the same draws as the managed <c>mlp</c> with
/// <c>init=torch</c>, so <c>torch-mlp</c> and <c>mlp</c> of the same sizes start from the same vector.</para>
/// <para><see cref="LossAndGradient"/> runs in training mode (batch statistics, dropout); torch's global
/// generator is reseeded before each such call from this instance's seed and call count, so dropout
/// masks are reproducible for a given call sequence (torch kernels are not promised bit-exact across
/// machines). libtorch's oneDNN kernels are off (<see cref="OneDnnSwitch"/>): its convolution backward gave a
/// different result on every repetition, and sometimes NaN. <see cref="Loss"/> and <see cref="Evaluate"/> run in inference mode (<c>eval()</c>,
/// <c>no_grad</c>): running batch-norm statistics, no dropout, as Zeno's validation oracle requires.</para>
/// <para>Batch-norm running statistics are buffers, not parameters: they are shared by an instance and
/// all its clones (updated by every training call, in call order), as the reference code's single
/// network does, so the server's inference-mode evaluation sees the statistics its workers accumulated.
/// Not thread-safe: clones share that state and torch's global generator.</para>
/// </remarks>
internal sealed class TorchClassifier : IModel, IDisposable
{
    private const int EvaluationChunk = 256;

    private readonly Func<nn.Module<Tensor, Tensor>> _factory;
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly TorchSharp.Modules.Parameter[] _parameters;
    private readonly Tensor[] _statistics;
    private readonly SharedStatistics _shared;
    private readonly long[] _inputShape;
    private readonly TorchDevice _device;
    private readonly ulong _seed;
    private readonly ModelInitialization _init;
    private readonly int _featureCount;
    private readonly int _classCount;
    private long _calls;
    private long _clones;
    private float[] _features = [];

    public TorchClassifier(string spec, Func<nn.Module<Tensor, Tensor>> factory, long[] inputShape, int classCount, TorchDevice device,
        ModelInitialization init = ModelInitialization.Default)
        : this(spec, factory, inputShape, classCount, device, init, seed: 0, shared: null)
    {
    }

    private TorchClassifier(string spec, Func<nn.Module<Tensor, Tensor>> factory, long[] inputShape, int classCount, TorchDevice device, ModelInitialization init,
        ulong seed, SharedStatistics? shared)
    {
        _init = init;
        Spec = spec;
        _factory = factory;
        _inputShape = inputShape;
        _classCount = classCount;
        _device = device;
        _seed = seed;
        _featureCount = 1;
        foreach (long s in inputShape) _featureCount *= (int)s;
        _module = factory();
        _module.to(device.Device);
        _parameters = _module.parameters().ToArray();
        _statistics = _module.named_buffers()
            .Where(b => b.buffer.dtype == ScalarType.Float32)
            .Select(b => b.buffer)
            .ToArray();
        long count = 0;
        foreach (var p in _parameters) count += p.numel();
        ParameterCount = checked((int)count);
        _shared = shared ?? new SharedStatistics(_statistics);
    }

    public string Spec { get; }

    public int ParameterCount { get; }

    /// <summary>Where the module runs.</summary>
    public TorchDevice Device => _device;

    public void Initialize(Span<float> parameters, RandomStream rng)
    {
        Check(parameters.Length, nameof(parameters));
        var named = _module.named_parameters().ToArray();
        int lastMatrix = -1;
        for (int k = 0; k < named.Length; k++) if (named[k].parameter.dim() >= 2) lastMatrix = k;
        int offset = 0;
        for (int k = 0; k < named.Length; k++)
        {
            var (name, p) = named[k];
            int size = (int)p.numel();
            var slice = parameters.Slice(offset, size);
            if (_init == ModelInitialization.Torch && p.dim() >= 2)
            {
                TorchInitialization.Fill(slice, FanIn(p), rng);
            }
            else if (_init == ModelInitialization.Torch && IsLayerBias(name, named, k))
            {
                TorchInitialization.Fill(slice, FanIn(named[k - 1].parameter), rng);
            }
            else if (p.dim() >= 2)
            {
                long fanIn = 1;
                for (int a = 1; a < p.dim(); a++) fanIn *= p.shape[a];
                long fanOut = p.shape[0];
                double limit = k == lastMatrix && p.dim() == 2 ? Math.Sqrt(6.0 / (fanIn + fanOut)) : Math.Sqrt(6.0 / fanIn);
                for (int i = 0; i < size; i++) slice[i] = (float)((2 * rng.NextDouble() - 1) * limit);
            }
            else
            {
                // 1-D: a bias (0) or a batch-norm scale γ (1).
                slice.Fill(IsNormScale(name, named, k) ? 1f : 0f);
            }
            offset += size;
        }
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        Check(parameters.Length, nameof(parameters));
        Check(gradient.Length, nameof(gradient));
        if (rows.IsEmpty) throw new SimByzException($"model '{Spec}': empty batch");
        using var scope = torch.NewDisposeScope();
        Load(parameters);
        _shared.CopyTo(_statistics);
        _module.train();
        _module.zero_grad();
        torch.random.manual_seed((long)(SplitMix64.Mix(_seed ^ (ulong)_calls++) >> 1));
        var (x, y) = Batch(data, rows);
        var loss = nn.functional.cross_entropy(_module.forward(x), y);
        loss.backward();
        _shared.CopyFrom(_statistics);
        int offset = 0;
        foreach (var p in _parameters)
        {
            int size = (int)p.numel();
            var g = p.grad;
            if (g is null) gradient.Slice(offset, size).Clear();
            else TensorOps.ToHost(g, gradient.Slice(offset, size));
            offset += size;
        }
        return loss.item<float>();
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => Evaluate(parameters, data, rows).Loss;

    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        Check(parameters.Length, nameof(parameters));
        if (rows.IsEmpty) throw new SimByzException($"model '{Spec}': no examples to evaluate");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Load(parameters);
        _shared.CopyTo(_statistics);
        _module.eval();
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < rows.Length; start += EvaluationChunk)
        {
            using var chunkScope = torch.NewDisposeScope();
            var chunk = rows.Slice(start, Math.Min(EvaluationChunk, rows.Length - start));
            var (x, y) = Batch(data, chunk);
            var logits = _module.forward(x);
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to_type(ScalarType.Float64).item<double>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return new Evaluation(lossSum / rows.Length, (double)correct / rows.Length);
    }

    /// <summary>A fresh family for one training run: new module, batch-norm statistics at their initial
    /// values (not shared with this instance), clone numbering from zero, the same seed. So a run's
    /// results do not depend on the runs built from the same setup before it.</summary>
    public IModel CloneForRun() => new TorchClassifier(Spec, _factory, _inputShape, _classCount, _device, _init, _seed, shared: null);

    /// <summary>Clones share batch-norm statistics and torch's global generator: runs go one at a time.</summary>
    public bool SupportsParallelRuns => false;

    /// <summary>A model of the same architecture on the same device, sharing the batch-norm statistics.</summary>
    public IModel Clone()
        => new TorchClassifier(Spec, _factory, _inputShape, _classCount, _device, _init, SplitMix64.Mix(_seed + (ulong)++_clones * 0x9E3779B97F4A7C15UL), _shared);

    public void Dispose() => _module.Dispose();

    private void Check(int length, string what)
    {
        if (length != ParameterCount) throw new ArgumentException($"model '{Spec}': {what} has length {length}, expected {ParameterCount}", what);
    }

    private void Load(ReadOnlySpan<float> parameters)
    {
        var host = TensorOps.FromHost(parameters, [parameters.Length]);
        var flat = _device.IsCuda ? host.to(_device.Device) : host;
        using var noGrad = torch.no_grad();
        long offset = 0;
        foreach (var p in _parameters)
        {
            long size = p.numel();
            p.copy_(flat.narrow(0, offset, size).view(p.shape));
            offset += size;
        }
    }

    private (Tensor X, Tensor Y) Batch(Dataset data, ReadOnlySpan<int> rows)
    {
        if (data.FeatureCount != _featureCount)
        {
            throw new SimByzException($"model '{Spec}': the data has {data.FeatureCount} features, the model expects {_featureCount} ({string.Join("×", _inputShape)})");
        }
        int[] labels = data.Labels ?? throw new SimByzException($"model '{Spec}': needs classification data (labels)");
        int b = rows.Length;
        if (_features.Length < b * _featureCount) _features = new float[b * _featureCount];
        var y = new long[b];
        for (int i = 0; i < b; i++)
        {
            data.CopyExample(rows[i], _features.AsSpan(i * _featureCount, _featureCount)); // a byte dataset without making its floats
            int label = labels[rows[i]];
            if ((uint)label >= (uint)_classCount) throw new SimByzException($"model '{Spec}': label {label} of example {rows[i]} is outside [0, {_classCount})");
            y[i] = label;
        }
        var shape = new long[_inputShape.Length + 1];
        shape[0] = b;
        _inputShape.CopyTo(shape, 1);
        var x = TensorOps.FromHost(_features.AsSpan(0, b * _featureCount), shape);
        var labelsTensor = tensor(y);
        return _device.IsCuda ? (x.to(_device.Device), labelsTensor.to(_device.Device)) : (x, labelsTensor);
    }

    /// <summary>in_features of a linear weight, in_channels·kh·kw of a convolution weight.</summary>
    private static long FanIn(Tensor weight)
    {
        long fanIn = 1;
        for (int a = 1; a < weight.dim(); a++) fanIn *= weight.shape[a];
        return fanIn;
    }

    /// <summary>Whether parameter <paramref name="k"/> is the bias of the linear or convolution layer whose weight precedes it.</summary>
    private static bool IsLayerBias(string name, (string name, TorchSharp.Modules.Parameter parameter)[] named, int k)
        => k > 0 && name.EndsWith("bias", StringComparison.Ordinal) && named[k - 1].parameter.dim() >= 2
           && named[k - 1].name.EndsWith("weight", StringComparison.Ordinal)
           && name[..^"bias".Length] == named[k - 1].name[..^"weight".Length];

    private static bool IsNormScale(string name, (string name, TorchSharp.Modules.Parameter parameter)[] named, int k)
        => name.EndsWith("weight", StringComparison.Ordinal) && named[k].parameter.dim() == 1;

    /// <summary>Batch-norm running statistics shared by an instance and its clones (host copies).</summary>
    private sealed class SharedStatistics
    {
        private readonly float[][] _values;

        public SharedStatistics(Tensor[] buffers)
        {
            _values = new float[buffers.Length][];
            for (int i = 0; i < buffers.Length; i++) _values[i] = buffers[i].cpu().data<float>().ToArray();
        }

        public void CopyTo(Tensor[] buffers)
        {
            using var noGrad = torch.no_grad();
            for (int i = 0; i < buffers.Length; i++)
            {
                var host = tensor(_values[i]).view(buffers[i].shape);
                buffers[i].copy_(host);
            }
        }

        public void CopyFrom(Tensor[] buffers)
        {
            for (int i = 0; i < buffers.Length; i++) buffers[i].cpu().contiguous().data<float>().CopyTo(_values[i]);
        }
    }
}
