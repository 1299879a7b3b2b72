using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// A delay uniform on [min, max): d = min + (max − min)·U with U = <see cref="RandomStream.NextDouble"/>
/// uniform on [0, 1). Spec <c>uniform:min=1ms,max=3ms</c>.
/// </summary>
/// <remarks>
/// One uniform draw per sample. Mean (min+max)/2, variance (max−min)²/12. Requires 0 ≤ min ≤ max
/// (both required); min = max gives a constant that still consumes one draw.
/// </remarks>
public sealed record UniformDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("uniform", "uniform on [min, max)", "min + (max−min)·U", "n/a",
                [new("min", "duration ≥ 0", "required", "lower bound"), new("max", "duration ≥ min", "required", "upper bound")]);

    /// <summary>Creates the options; requires 0 ≤ <paramref name="minSeconds"/> ≤ <paramref name="maxSeconds"/>.</summary>
    public UniformDelayOptions(double minSeconds, double maxSeconds)
    {
        MinSeconds = CheckDuration("uniform", "min", minSeconds);
        MaxSeconds = CheckDuration("uniform", "max", maxSeconds);
        if (minSeconds > maxSeconds)
        {
            throw new SimByzException($"uniform delay model: min = {DelayText.Format(minSeconds)} exceeds max = {DelayText.Format(maxSeconds)} (need 0 ≤ min ≤ max)");
        }
    }

    /// <summary>Lower bound (inclusive), seconds.</summary>
    public double MinSeconds { get; }

    /// <summary>Upper bound (exclusive), seconds.</summary>
    public double MaxSeconds { get; }

    public override string Name => "uniform";

    public override string ToSpec() => $"uniform:min={DelayText.Format(MinSeconds)},max={DelayText.Format(MaxSeconds)}";

    internal override DelaySampler CreateSampler() => new UniformDelay(this);
}

internal sealed class UniformDelay(UniformDelayOptions options) : DelaySampler(options.ToSpec())
{
    private readonly double _min = options.MinSeconds;
    private readonly double _width = options.MaxSeconds - options.MinSeconds;

    public override double SampleSeconds(RandomStream rng) => _min + _width * rng.NextDouble();
}
