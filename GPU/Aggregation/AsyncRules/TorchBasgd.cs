using System.Globalization;
using SimByz.Aggregation;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.AsyncRules;

/// <summary>
/// Tensor twin of <c>basgd:b,rule</c> (Yang &amp; Li, AAAI 2021): B buffers on the device (a B×d float64
/// tensor of sums, worker i → buffer i mod B); when every buffer holds a message, the B buffer means (rounded
/// once to float32, rows in buffer order) go to the tensor twin of the robust rule (<c>rule=</c>, default
/// <c>median</c>, with its defaults), whose result is the update, and the buffers empty.
/// </summary>
/// <remarks>
/// <para>As the managed rule: a message that leaves some buffer empty is held; the one that fills the last
/// empty buffer is accepted (score NaN); the robust rule's tolerance is checked for n = B at construction
/// (by the managed rule of the same name, so the message is the same). Buffer sums are float64 in arrival
/// order, as in the managed rule, so the means agree bit for bit.</para>
/// <para>Agreement: that of the robust rule's twin on the buffer means (GPU/README.md): relative 1e-5, or
/// the same selection for selection rules unless the means have a near tie.</para>
/// </remarks>
internal sealed class TorchBasgd : ITensorAsyncRule
{
    private readonly int _b;
    private readonly string _ruleName;
    private readonly ITensorRule _rule;
    private readonly int[] _counts;
    private Tensor? _sums;
    private int _filled;

    private TorchBasgd(int b, string ruleName, ITensorRule rule)
    {
        _b = b;
        _ruleName = ruleName;
        _rule = rule;
        _counts = new int[b];
    }

    /// <param name="p">The spec's parameters.</param>
    /// <param name="context">The build context (the robust rule's f/b defaults to its declared q).</param>
    /// <param name="createTwin">Builds the tensor twin of the robust rule from its name.</param>
    public static TorchBasgd Create(SpecParameters p, AggregatorBuildContext context, Func<string, ITensorRule> createTwin)
    {
        int b = p.RequireInt("b", min: 1);
        string name = p.GetString("rule", "median");
        if (name.Contains(':', StringComparison.Ordinal) || name.Contains('+', StringComparison.Ordinal))
        {
            throw new SimByzException($"basgd: rule= takes a rule name with its defaults (e.g. rule=median), got '{name}'");
        }
        // The managed rule of the same name states the tolerance condition (and its message) for n = B.
        AggregatorCatalog.BuiltIn.Create(name, context).CheckTolerance(b);
        return new TorchBasgd(b, name, createTwin(name));
    }

    public bool UsesValidation => _rule.UsesValidation;

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"basgd:b={_b},rule={_ruleName}");

    public TensorDecision Decide(Tensor g, AsyncMessage message, TensorCall call)
    {
        long d = g.shape[0];
        if (_sums is null || _sums.shape[1] != d)
        {
            _sums?.Dispose();
            _sums = zeros(_b, d, dtype: ScalarType.Float64, device: g.device).DetachFromDisposeScope();
            Array.Clear(_counts);
            _filled = 0;
        }
        int buffer = (int)((uint)message.WorkerId % (uint)_b);
        _sums[buffer].add_(g.to_type(ScalarType.Float64));
        if (_counts[buffer]++ == 0) _filled++;
        if (_filled < _b) return new(AsyncDecision.Hold(), null);
        var inverse = new double[_b];
        for (int i = 0; i < _b; i++) inverse[i] = 1.0 / _counts[i];
        var means = _sums.mul(tensor(inverse, device: g.device).unsqueeze(1)).to_type(ScalarType.Float32);
        var update = _rule.Aggregate(means, call);
        Empty();
        return new(AsyncDecision.Accept(), update);
    }

    public void Reset()
    {
        Empty();
        _rule.Reset();
    }

    public void Release()
    {
        Reset();
        _sums?.Dispose();
        _sums = null;
    }

    private void Empty()
    {
        _sums?.zero_();
        Array.Clear(_counts);
        _filled = 0;
    }
}
