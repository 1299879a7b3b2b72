using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// An exponentially distributed delay with the given mean: d = −mean·ln U, U uniform on (0, 1]
/// (<see cref="RandomStream.NextDoubleNonZero"/>), ln by <see cref="DetMath.Log"/>.
/// Spec <c>exponential:mean=2ms</c>.
/// </summary>
/// <remarks>
/// One uniform draw per sample (inversion). Mean = mean, variance = mean². Requires mean &gt; 0
/// (required). The memoryless model of service times (e.g. the M/M/1 queue).
/// </remarks>
public sealed record ExponentialDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("exponential", "exponential with the given mean (memoryless)", "inversion −mean·ln U", "n/a",
                [new("mean", "duration > 0", "required", "mean delay")]);

    /// <summary>Creates the options; <paramref name="meanSeconds"/> must be &gt; 0.</summary>
    public ExponentialDelayOptions(double meanSeconds)
    {
        MeanSeconds = CheckDuration("exponential", "mean", meanSeconds);
        if (meanSeconds == 0) throw new SimByzException("exponential delay model: mean = 0ns is invalid: expected a duration > 0 (use constant:t=0 for no delay)");
    }

    /// <summary>The mean delay, seconds.</summary>
    public double MeanSeconds { get; }

    public override string Name => "exponential";

    public override string ToSpec() => $"exponential:mean={DelayText.Format(MeanSeconds)}";

    internal override DelaySampler CreateSampler() => new ExponentialDelay(this);
}

internal sealed class ExponentialDelay(ExponentialDelayOptions options) : DelaySampler(options.ToSpec())
{
    private readonly double _mean = options.MeanSeconds;

    public override double SampleSeconds(RandomStream rng) => -_mean * DetMath.Log(rng.NextDoubleNonZero());
}
