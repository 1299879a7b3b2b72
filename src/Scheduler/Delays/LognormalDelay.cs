using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// A log-normally distributed delay: d = exp(μ + σ·Z) seconds with Z standard normal
/// (<see cref="RandomStream.NextNormal()"/>, Marsaglia's polar method) and exp by <see cref="DetMath.Exp"/>.
/// Spec <c>lognormal:mu=-6,sigma=0.5</c>.
/// </summary>
/// <remarks>
/// μ and σ are the mean and standard deviation of ln d with d in seconds (so the median is e^μ s;
/// μ = −6 gives ≈ 2.48 ms). Mean e^(μ+σ²/2), variance (e^(σ²) − 1)·e^(2μ+σ²). Both required;
/// σ ≥ 0 (σ = 0 is the constant e^μ); μ in [−50, 20] (e^−50 s is below 1 ns, e^20 s ≈ 15 years).
/// The usual model of compute and network latencies with a moderate right tail.
/// </remarks>
public sealed record LognormalDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("lognormal", "exp(mu + sigma·Z) seconds, Z standard normal", "log-normal latency model; Z by Marsaglia's polar method", "n/a",
                [new("mu", "number in [-50, 20]", "required", "mean of ln(delay in seconds); median = e^mu s"),
                 new("sigma", "number in [0, 10]", "required", "standard deviation of ln(delay)")]);

    /// <summary>Creates the options; requires −50 ≤ <paramref name="mu"/> ≤ 20 and 0 ≤ <paramref name="sigma"/> ≤ 10.</summary>
    public LognormalDelayOptions(double mu, double sigma)
    {
        Mu = CheckNumber("lognormal", "mu", mu, -50, 20, expected: "a number in [-50, 20] (the mean of ln d, d in seconds)");
        Sigma = CheckNumber("lognormal", "sigma", sigma, 0, 10, expected: "a number in [0, 10] (the standard deviation of ln d)");
    }

    /// <summary>Mean of ln d (d in seconds).</summary>
    public double Mu { get; }

    /// <summary>Standard deviation of ln d.</summary>
    public double Sigma { get; }

    public override string Name => "lognormal";

    public override string ToSpec() => $"lognormal:mu={DelayText.Number(Mu)},sigma={DelayText.Number(Sigma)}";

    internal override DelaySampler CreateSampler() => new LognormalDelay(this);
}

internal sealed class LognormalDelay(LognormalDelayOptions options) : DelaySampler(options.ToSpec())
{
    private readonly double _mu = options.Mu;
    private readonly double _sigma = options.Sigma;

    public override double SampleSeconds(RandomStream rng) => DetMath.Exp(_mu + _sigma * rng.NextNormal());
}
