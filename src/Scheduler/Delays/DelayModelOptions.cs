using System.Globalization;

namespace SimByz.Scheduler;

/// <summary>
/// The immutable, validated description of a delay model (one record per model, e.g.
/// <see cref="LognormalDelayOptions"/>); <see cref="Build"/> makes a model instance from it.
/// </summary>
/// <remarks>
/// <para>Parameters are in seconds (durations) or dimensionless; every constructor validates its
/// parameters and throws <see cref="SimByzException"/> naming the model, the parameter and what is
/// allowed. Properties are get-only, so a <c>with</c> expression cannot bypass the validation.</para>
/// <para>Sampling: every model draws a duration in seconds (double) from the stream it is given,
/// composite models (<see cref="ShiftedDelayOptions"/>, <see cref="StragglerDelayOptions"/>, a
/// <see cref="TraceDelayOptions"/> fallback) combine their inner model's sample in seconds, and the
/// final value is rounded to whole nanoseconds exactly once by <see cref="SimTime.FromSeconds"/>
/// (DESIGN.md, Time). Samples are never negative; samples above <see cref="MaxSampleSeconds"/>
/// (heavy tails with tiny shape parameters) are clamped there, so that <c>now + delay</c> cannot
/// overflow.</para>
/// <para><see cref="Build"/> returns a new instance each call: stateful models (trace replay) must be
/// built once per worker. Options are thread-safe; model instances are not.</para>
/// </remarks>
public abstract record DelayModelOptions
{
    /// <summary>The largest sample, in seconds (10⁹ s ≈ 31.7 years): larger draws are clamped to it.</summary>
    public const double MaxSampleSeconds = 1e9;

    private protected DelayModelOptions() { }

    /// <summary>The model's spec name, e.g. <c>lognormal</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The canonical spec that <see cref="DelayModelCatalog.Parse"/> turns back into equal options,
    /// e.g. <c>straggler:p=0.1,factor=10+lognormal:mu=-6,sigma=0.5</c>.</summary>
    public abstract string ToSpec();

    /// <summary>A new model instance (one per worker and purpose).</summary>
    public IDelayModel Build() => CreateSampler();

    internal abstract DelaySampler CreateSampler();

    /// <summary>The canonical spec.</summary>
    public sealed override string ToString() => ToSpec();

    /// <summary>Throws unless <paramref name="seconds"/> is a finite duration ≥ 0 (and ≤ <see cref="MaxSampleSeconds"/>).</summary>
    private protected static double CheckDuration(string model, string parameter, double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > MaxSampleSeconds)
        {
            throw new SimByzException($"{model} delay model: {parameter} = {DelayText.Format(seconds)} is invalid: expected a duration in [0, {MaxSampleSeconds.ToString(CultureInfo.InvariantCulture)} s]");
        }
        return seconds;
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and in [<paramref name="min"/>, <paramref name="max"/>] (bounds open when flagged).</summary>
    private protected static double CheckNumber(string model, string parameter, double value, double min, double max, bool minOpen = false, string? expected = null)
    {
        bool ok = double.IsFinite(value) && (minOpen ? value > min : value >= min) && value <= max;
        if (!ok)
        {
            string range = expected ?? (minOpen ? "a finite number > " : "a finite number ≥ ") + min.ToString(CultureInfo.InvariantCulture)
                + (double.IsPositiveInfinity(max) ? "" : " and ≤ " + max.ToString(CultureInfo.InvariantCulture));
            throw new SimByzException($"{model} delay model: {parameter} = {value.ToString("R", CultureInfo.InvariantCulture)} is invalid: expected {range}");
        }
        return value;
    }

    private protected static DelayModelOptions CheckInner(string model, string parameter, DelayModelOptions? inner)
        => inner ?? throw new SimByzException($"{model} delay model: {parameter} (the inner model) is required");
}

/// <summary>The sampling side of every built-in model: a sample in seconds, rounded once.</summary>
internal abstract class DelaySampler : IDelayModel, IDelaySampler
{
    protected DelaySampler(string spec) => Spec = spec;

    public string Spec { get; }

    public SimTime Sample(RandomStream rng) => DelayText.ToSimTime(SampleSeconds(rng));

    /// <summary>The unrounded sample in seconds (composite models combine these before rounding).</summary>
    public abstract double SampleSeconds(RandomStream rng);
}

/// <summary>Duration text and rounding shared by the delay models and their registry.</summary>
internal static class DelayText
{
    /// <summary>Rounds a sample to ns once; clamps to [0, MaxSampleSeconds].</summary>
    internal static SimTime ToSimTime(double seconds)
    {
        if (double.IsNaN(seconds)) throw new InvalidOperationException("a delay model produced NaN");
        if (!(seconds > 0)) return SimTime.Zero;
        return SimTime.FromSeconds(seconds >= DelayModelOptions.MaxSampleSeconds ? DelayModelOptions.MaxSampleSeconds : seconds);
    }

    /// <summary>A duration as exact SimTime text when it is a whole number of ns (<c>5ms</c>), else round-trip seconds.</summary>
    internal static string Format(double seconds)
    {
        if (double.IsFinite(seconds) && Math.Abs(seconds) <= 9e9)
        {
            double ns = Math.Round(seconds * 1e9);
            if ((long)ns / 1e9 == seconds) return new SimTime((long)ns).ToString();
        }
        return seconds.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>A number in round-trip form.</summary>
    internal static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Parses SimTime text (<c>5ms</c>, <c>250us</c>) or plain seconds (<c>0.005</c>).</summary>
    internal static bool TryParseSeconds(string text, out double seconds)
    {
        string s = text.Trim();
        if (SimTime.TryParse(s, out var t, out _))
        {
            seconds = t.Nanoseconds / 1e9;
            return true;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) && double.IsFinite(seconds);
    }
}
