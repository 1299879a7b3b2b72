using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// A delay that is always the same: d = <see cref="Seconds"/>. Spec <c>constant:t=5ms</c>.
/// </summary>
/// <remarks>Draws nothing from the stream. <c>t</c> ≥ 0 (required). Deterministic and exact.</remarks>
public sealed record ConstantDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("constant", "always the same delay t", "deterministic baseline", "n/a",
                [new("t", "duration ≥ 0", "required", "the delay")]);

    /// <summary>Creates the options; <paramref name="seconds"/> must be a finite duration ≥ 0.</summary>
    public ConstantDelayOptions(double seconds) => Seconds = CheckDuration("constant", "t", seconds);

    /// <summary>The delay, in seconds.</summary>
    public double Seconds { get; }

    public override string Name => "constant";

    public override string ToSpec() => $"constant:t={DelayText.Format(Seconds)}";

    internal override DelaySampler CreateSampler() => new ConstantDelay(this);
}

internal sealed class ConstantDelay(ConstantDelayOptions options) : DelaySampler(options.ToSpec())
{
    private readonly double _seconds = options.Seconds;

    public override double SampleSeconds(RandomStream rng) => _seconds;
}
