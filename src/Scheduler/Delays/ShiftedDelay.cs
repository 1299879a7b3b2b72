using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// A constant offset plus another model's sample: d = offset + inner. Spec: the chain prefix
/// <c>shifted:offset=1ms+exponential:mean=2ms</c> (see <see cref="DelayModelCatalog"/>).
/// </summary>
/// <remarks>
/// Draws exactly what the inner model draws. The sum is formed in seconds and rounded once.
/// offset ≥ 0 (required). Typical use: a fixed network latency floor plus a random part
/// (the shifted exponential / shifted log-normal latency models).
/// </remarks>
public sealed record ShiftedDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("shifted", "chain prefix: offset + the sample of the model after it", "shifted (delayed) distributions: a latency floor plus a random part", "n/a",
                [new("offset", "duration ≥ 0", "required", "constant added to every sample")]);

    /// <summary>Creates the options; <paramref name="offsetSeconds"/> ≥ 0 and <paramref name="inner"/> non-null.</summary>
    public ShiftedDelayOptions(double offsetSeconds, DelayModelOptions inner)
    {
        OffsetSeconds = CheckDuration("shifted", "offset", offsetSeconds);
        Inner = CheckInner("shifted", "inner", inner);
    }

    /// <summary>The constant added to every sample, seconds.</summary>
    public double OffsetSeconds { get; }

    /// <summary>The model whose samples are shifted.</summary>
    public DelayModelOptions Inner { get; }

    public override string Name => "shifted";

    public override string ToSpec() => $"shifted:offset={DelayText.Format(OffsetSeconds)}+{Inner.ToSpec()}";

    internal override DelaySampler CreateSampler() => new ShiftedDelay(this);
}

internal sealed class ShiftedDelay(ShiftedDelayOptions options) : DelaySampler(options.ToSpec())
{
    private readonly double _offset = options.OffsetSeconds;
    private readonly DelaySampler _inner = options.Inner.CreateSampler();

    public override double SampleSeconds(RandomStream rng) => _offset + _inner.SampleSeconds(rng);
}
