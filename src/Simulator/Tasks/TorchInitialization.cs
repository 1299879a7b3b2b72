using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Simulator.Tasks;

/// <summary>
/// PyTorch's default initialization of <c>nn.Linear</c> and <c>nn.Conv2d</c>, drawn from a
/// <see cref="RandomStream"/>, and the <c>init</c> spec parameter that selects it
/// (<see cref="ModelInitialization"/>).
/// </summary>
/// <remarks>
/// <para>Source: PyTorch <c>torch/nn/modules/linear.py</c> and <c>conv.py</c>, <c>reset_parameters</c>:
/// <c>init.kaiming_uniform_(weight, a=math.sqrt(5))</c>, then <c>bias</c> uniform in ±1/√fan_in. Kaiming-uniform
/// draws U(±gain·√(3/fan_in)) with gain = √(2/(1 + a²)); a = √5 gives gain = √(1/3) and the bound 1/√fan_in.</para>
/// <para>Values are (float)((2u − 1)·bound) for u = <see cref="RandomStream.NextDouble"/>, in layout order: the managed
/// <c>mlp</c> and the torch backend's <c>torch-mlp</c> of the same sizes get the same vector bit for bit. The
/// distribution is PyTorch's; the draws are SimByz's stream, not torch's generator. Thread-safe (no state).</para>
/// </remarks>
public static class TorchInitialization
{
    /// <summary>The spec parameter's name.</summary>
    public const string Key = "init";

    /// <summary>The spec value of <see cref="ModelInitialization.Torch"/>.</summary>
    public const string TorchName = "torch";

    /// <summary>The bound 1/√fan_in of PyTorch's default weights and biases.</summary>
    public static double Bound(long fanIn)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        return 1.0 / Math.Sqrt(fanIn);
    }

    /// <summary>Fills <paramref name="values"/> with U(±1/√<paramref name="fanIn"/>) draws, in order.</summary>
    public static void Fill(Span<float> values, long fanIn, RandomStream rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double bound = Bound(fanIn);
        for (int i = 0; i < values.Length; i++) values[i] = (float)((2.0 * rng.NextDouble() - 1.0) * bound);
    }

    /// <summary>Reads <c>init</c> from <paramref name="p"/>: <paramref name="defaultName"/> (the model's own
    /// scheme) or <c>torch</c>.</summary>
    /// <exception cref="SimByzException">Any other value.</exception>
    public static ModelInitialization Read(SpecParameters p, string defaultName)
    {
        ArgumentNullException.ThrowIfNull(p);
        return p.GetChoice(Key, defaultName, defaultName, TorchName) == TorchName ? ModelInitialization.Torch : ModelInitialization.Default;
    }

    /// <summary>How <c>simbyz list</c> describes the parameter, for a model whose own scheme is
    /// <paramref name="defaultName"/> (<paramref name="defaultMeaning"/> says what it draws).</summary>
    public static ParameterInfo Parameter(string defaultName, string defaultMeaning)
        => new(Key, $"{defaultName}|{TorchName}", defaultName,
            $"{defaultName}: {defaultMeaning}; torch: PyTorch's nn.Linear/nn.Conv2d defaults, weights kaiming_uniform(a=√5) = U(±1/√fan_in), biases U(±1/√fan_in)");

    /// <summary>The spec suffix of <paramref name="init"/>: empty for the default, so default specs keep their text.</summary>
    public static string SpecSuffix(ModelInitialization init) => init == ModelInitialization.Torch ? $"{Key}={TorchName}" : "";
}
