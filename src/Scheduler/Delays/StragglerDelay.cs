using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// A straggler mixture: with probability p the base model's sample is multiplied by a factor,
/// d = base·(factor if U &lt; p else 1). Spec: the chain prefix
/// <c>straggler:p=0.1,factor=10+lognormal:mu=-6,sigma=0.5</c> (see <see cref="DelayModelCatalog"/>).
/// </summary>
/// <remarks>
/// Each sample first draws the base sample, then one uniform U on [0, 1) — always, even for p = 0
/// or p = 1, so the stream advances the same way whatever p is (counterfactual runs that only
/// change p stay aligned). The product is formed in seconds and rounded once. Requires p in [0, 1]
/// and factor ≥ 1 (both required). If the base has mean m and variance v, the mixture has mean
/// m·(1 + p(k−1)) and second moment (v + m²)·(1 − p + p·k²), k the factor.
/// </remarks>
public sealed record StragglerDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("straggler", "chain prefix: with probability p, multiply the sample of the model after it by factor", "straggler mixture (Dean and Barroso, The Tail at Scale, 2013)", "n/a",
                [new("p", "number in [0, 1]", "required", "probability that a sample is a straggler"),
                 new("factor", "number in [1, 1000000]", "required", "slow-down of a straggler")]);

    /// <summary>Creates the options; 0 ≤ <paramref name="probability"/> ≤ 1, 1 ≤ <paramref name="factor"/> ≤ 10⁶.</summary>
    public StragglerDelayOptions(double probability, double factor, DelayModelOptions inner)
    {
        Probability = CheckNumber("straggler", "p", probability, 0, 1, expected: "a probability in [0, 1]");
        Factor = CheckNumber("straggler", "factor", factor, 1, 1e6, expected: "a slow-down factor in [1, 1000000]");
        Inner = CheckInner("straggler", "inner", inner);
    }

    /// <summary>Probability that a sample is a straggler.</summary>
    public double Probability { get; }

    /// <summary>The multiplier applied to a straggler's sample.</summary>
    public double Factor { get; }

    /// <summary>The base model.</summary>
    public DelayModelOptions Inner { get; }

    public override string Name => "straggler";

    public override string ToSpec() => $"straggler:p={DelayText.Number(Probability)},factor={DelayText.Number(Factor)}+{Inner.ToSpec()}";

    internal override DelaySampler CreateSampler() => new StragglerDelay(this);
}

internal sealed class StragglerDelay(StragglerDelayOptions options) : DelaySampler(options.ToSpec())
{
    private readonly double _p = options.Probability;
    private readonly double _factor = options.Factor;
    private readonly DelaySampler _inner = options.Inner.CreateSampler();

    public override double SampleSeconds(RandomStream rng)
    {
        double d = _inner.SampleSeconds(rng);
        return rng.NextDouble() < _p ? d * _factor : d;
    }
}
