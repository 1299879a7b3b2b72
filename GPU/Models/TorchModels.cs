using System.Globalization;
using SimByz.Scheduler;
using SimByz.Simulator.Tasks;
using SimByz.Specs;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SimByz.Gpu.Models;

/// <summary>
/// The autograd models of the torch backend, built from specs: <c>torch-mlp:hidden=64</c>,
/// <c>cnn</c> (a small CNN for Fashion-MNIST, 1×28×28) and <c>zeno-cnn</c> (the CNN of the Zeno
/// reference code for CIFAR-10-shaped input, 3×32×32).
/// </summary>
/// <remarks>
/// <para>Architectures (all ReLU, softmax cross-entropy output, see <see cref="TorchClassifier"/> for
/// the parameter layout, initialization and inference mode):
/// <c>torch-mlp:hidden=H</c> or <c>hidden=H1;H2</c>: flatten, Linear(F→H)…, Linear(→C);
/// <c>cnn:c1=32,c2=64,fc=128</c>: conv5×5(c1, pad 2)-ReLU-maxpool2, conv5×5(c2, pad 2)-ReLU-maxpool2,
/// FC(fc)-ReLU, FC(C);
/// <c>zeno-cnn</c> (xcgoner/icml2019_zeno, REFERENCE.md): [conv3×3(64, pad 1)-BN-ReLU]×2, maxpool2,
/// dropout 0.25; [conv3×3(128, pad 1)-BN-ReLU]×2, maxpool2, dropout 0.25; FC128-ReLU, dropout 0.5,
/// FC(C).</para>
/// <para>Input shape: 3072 features are read as 3×32×32 (CIFAR-10's channel-major records), other
/// counts as 1×s×s when s² = F (784 → 1×28×28); <c>channels=k</c> forces k×s×s. The CNNs need spatial
/// sizes divisible by 4.</para>
/// <para>Every model takes <c>init=he-glorot</c> (the default) or <c>init=torch</c> (PyTorch's defaults,
/// <see cref="ModelInitialization"/>).</para>
/// <para>Thread-safe (the registry is immutable); the models are not.</para>
/// </remarks>
public static class TorchModels
{
    /// <summary>Descriptions of the torch models, as <c>simbyz list</c> shows them.</summary>
    public static IReadOnlyList<ComponentInfo> Models { get; } =
    [
        new("torch-mlp", "MLP on the torch backend (autograd): 1 or 2 ReLU hidden layers, softmax cross-entropy",
            "He et al. 2015 / Glorot and Bengio 2010 (init, drawn in managed code); init=torch: PyTorch nn.Linear.reset_parameters", "classification data, C ≥ 2",
            [
                new ParameterInfo("hidden", "1 or 2 sizes separated by ';'", "64", "hidden layer widths, e.g. 128;64"),
                InitParameter,
            ]),
        new("cnn", "small CNN for Fashion-MNIST-shaped input (1×28×28): 2×(conv5×5-ReLU-maxpool), FC-ReLU, FC",
            "LeNet-style; torch backend", "image data with F = c·s² features, s divisible by 4",
            [
                new ParameterInfo("c1", "integer ≥ 1", "32", "channels of the first convolution"),
                new ParameterInfo("c2", "integer ≥ 1", "64", "channels of the second convolution"),
                new ParameterInfo("fc", "integer ≥ 1", "128", "width of the hidden fully connected layer"),
                new ParameterInfo("channels", "integer ≥ 1", "3 if F = 3072, else 1", "input channels"),
                InitParameter,
            ]),
        new("zeno-cnn", "the Zeno reference CNN (CIFAR-10, 3×32×32): 2×[2×(conv3×3-BN-ReLU), maxpool, dropout .25], FC128, dropout .5, FC",
            "Xie, Koyejo, Gupta, ICML 2019, code xcgoner/icml2019_zeno", "image data with F = c·s² features, s divisible by 4",
            [
                new ParameterInfo("channels", "integer ≥ 1", "3 if F = 3072, else 1", "input channels"),
                InitParameter,
            ]),
    ];

    private const string DefaultInit = "he-glorot";

    private static ParameterInfo InitParameter => TorchInitialization.Parameter(DefaultInit,
        "He-uniform convolution and hidden weights, Glorot-uniform output weights, zero biases, batch-norm γ = 1, β = 0");

    /// <summary>True if <paramref name="name"/> is a torch model.</summary>
    public static bool IsTorchModel(string name) => Models.Any(m => m.Name == name);

    /// <summary>
    /// Builds the model of <paramref name="spec"/> for data with <paramref name="featureCount"/> features and
    /// <paramref name="classCount"/> classes, on <paramref name="device"/> (default: CPU).
    /// </summary>
    /// <exception cref="SimByzException">Unknown model, bad parameter, or a shape that does not fit.</exception>
    public static IModel Create(string spec, int featureCount, int classCount, TorchDevice? device = null)
    {
        var parsed = ComponentSpec.Parse(spec, "model");
        var p = parsed.Read("model");
        if (classCount < 2) throw new SimByzException($"model '{spec}': needs classification data with at least 2 classes");
        if (featureCount <= 0) throw new SimByzException($"model '{spec}': the data has no features");
        var init = TorchInitialization.Read(p, DefaultInit);
        Func<Module<Tensor, Tensor>> factory;
        long[] shape;
        switch (parsed.Name)
        {
            case "torch-mlp":
            {
                int[] hidden = ParseHidden(spec, p.GetString("hidden", "64"));
                shape = [featureCount];
                factory = () => Mlp(featureCount, hidden, classCount);
                break;
            }
            case "cnn":
            {
                int c1 = p.GetInt("c1", defaultValue: 32, min: 1, max: 4096);
                int c2 = p.GetInt("c2", defaultValue: 64, min: 1, max: 4096);
                int fc = p.GetInt("fc", defaultValue: 128, min: 1, max: 65536);
                shape = ImageShape(spec, p, featureCount);
                long flat = c2 * (shape[1] / 4) * (shape[2] / 4);
                long channels = shape[0];
                factory = () => Sequential(
                    ("conv1", Conv2d(channels, c1, 5, padding: 2)), ("relu1", ReLU()), ("pool1", MaxPool2d(2)),
                    ("conv2", Conv2d(c1, c2, 5, padding: 2)), ("relu2", ReLU()), ("pool2", MaxPool2d(2)),
                    ("flatten", Flatten()), ("fc1", Linear(flat, fc)), ("relu3", ReLU()), ("fc2", Linear(fc, classCount)));
                break;
            }
            case "zeno-cnn":
            {
                shape = ImageShape(spec, p, featureCount);
                long flat = 128 * (shape[1] / 4) * (shape[2] / 4);
                long channels = shape[0];
                factory = () => Sequential(
                    ("conv1", Conv2d(channels, 64, 3, padding: 1)), ("bn1", BatchNorm2d(64)), ("relu1", ReLU()),
                    ("conv2", Conv2d(64, 64, 3, padding: 1)), ("bn2", BatchNorm2d(64)), ("relu2", ReLU()),
                    ("pool1", MaxPool2d(2)), ("drop1", Dropout(0.25)),
                    ("conv3", Conv2d(64, 128, 3, padding: 1)), ("bn3", BatchNorm2d(128)), ("relu3", ReLU()),
                    ("conv4", Conv2d(128, 128, 3, padding: 1)), ("bn4", BatchNorm2d(128)), ("relu4", ReLU()),
                    ("pool2", MaxPool2d(2)), ("drop2", Dropout(0.25)),
                    ("flatten", Flatten()), ("fc1", Linear(flat, 128)), ("relu5", ReLU()), ("drop3", Dropout(0.5)),
                    ("fc2", Linear(128, classCount)));
                break;
            }
            default:
                throw new SimByzException($"unknown torch model '{parsed.Name}' (known: {string.Join(", ", Models.Select(m => m.Name))})");
        }
        p.EnsureAllUsed();
        device ??= TorchDevice.Cpu;
        return new TorchClassifier(parsed.ToString(), factory, shape, classCount, device, init);
    }

    private static Module<Tensor, Tensor> Mlp(int featureCount, int[] hidden, int classCount)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long fanIn = featureCount;
        for (int l = 0; l < hidden.Length; l++)
        {
            layers.Add(($"fc{l + 1}", Linear(fanIn, hidden[l])));
            layers.Add(($"relu{l + 1}", ReLU()));
            fanIn = hidden[l];
        }
        layers.Add(($"fc{hidden.Length + 1}", Linear(fanIn, classCount)));
        return Sequential(layers);
    }

    private static int[] ParseHidden(string spec, string raw)
    {
        string[] parts = raw.Split(';');
        if (parts.Length is < 1 or > 2) throw new SimByzException($"model '{spec}': expected 1 or 2 hidden sizes separated by ';', e.g. hidden=128;64");
        var hidden = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out hidden[i]) || hidden[i] < 1 || hidden[i] > 65536)
            {
                throw new SimByzException($"model '{spec}': hidden size '{parts[i]}' is invalid: expected an integer in [1, 65536]");
            }
        }
        return hidden;
    }

    private static long[] ImageShape(string spec, SpecParameters p, int featureCount)
    {
        int channels = p.GetInt("channels", defaultValue: featureCount == 3072 ? 3 : 1, min: 1, max: 4096);
        int side = featureCount % channels == 0 ? (int)Math.Round(Math.Sqrt(featureCount / channels)) : 0;
        if (side == 0 || channels * side * side != featureCount)
        {
            throw new SimByzException($"model '{spec}': {featureCount} features are not {channels} square channel(s) (expected {channels}·s²)");
        }
        if (side % 4 != 0) throw new SimByzException($"model '{spec}': image side {side} is not divisible by 4 (two 2×2 poolings)");
        return [channels, side, side];
    }
}
