using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// A Pareto (type I) delay with scale x_m and shape α: d = x_m·U^(−1/α) = x_m·exp(−ln(U)/α), U uniform
/// on (0, 1] (<see cref="RandomStream.NextDoubleNonZero"/>), so P(d &gt; x) = (x_m/x)^α for x ≥ x_m.
/// Spec <c>pareto:scale=1ms,alpha=2.5</c>.
/// </summary>
/// <remarks>
/// One uniform draw per sample (inversion). Mean α·x_m/(α−1) for α &gt; 1 (infinite otherwise),
/// variance x_m²·α/((α−1)²(α−2)) for α &gt; 2. Requires x_m &gt; 0 and α &gt; 0 (both required); samples
/// beyond <see cref="DelayModelOptions.MaxSampleSeconds"/> are clamped. The heavy-tailed straggler
/// model: a few very slow replies.
/// </remarks>
public sealed record ParetoDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("pareto", "Pareto type I: P(d > x) = (scale/x)^alpha for x ≥ scale (heavy tail)", "inversion scale·U^(−1/alpha)", "n/a",
                [new("scale", "duration > 0", "required", "minimum delay x_m"),
                 new("alpha", "number in (0, 1000]", "required", "tail index; mean finite for alpha > 1, variance for alpha > 2")]);

    /// <summary>Creates the options; <paramref name="scaleSeconds"/> &gt; 0 and 0 &lt; <paramref name="alpha"/> ≤ 1000.</summary>
    public ParetoDelayOptions(double scaleSeconds, double alpha)
    {
        ScaleSeconds = CheckDuration("pareto", "scale", scaleSeconds);
        if (scaleSeconds == 0) throw new SimByzException("pareto delay model: scale = 0ns is invalid: expected a duration > 0 (the minimum delay x_m)");
        Alpha = CheckNumber("pareto", "alpha", alpha, 0, 1000, minOpen: true, expected: "a number in (0, 1000] (the tail index)");
    }

    /// <summary>The scale x_m (the smallest possible delay), seconds.</summary>
    public double ScaleSeconds { get; }

    /// <summary>The shape (tail index) α.</summary>
    public double Alpha { get; }

    public override string Name => "pareto";

    public override string ToSpec() => $"pareto:scale={DelayText.Format(ScaleSeconds)},alpha={DelayText.Number(Alpha)}";

    internal override DelaySampler CreateSampler() => new ParetoDelay(this);
}

internal sealed class ParetoDelay(ParetoDelayOptions options) : DelaySampler(options.ToSpec())
{
    private readonly double _scale = options.ScaleSeconds;
    private readonly double _alpha = options.Alpha;

    public override double SampleSeconds(RandomStream rng) => _scale * DetMath.Exp(-DetMath.Log(rng.NextDoubleNonZero()) / _alpha);
}
