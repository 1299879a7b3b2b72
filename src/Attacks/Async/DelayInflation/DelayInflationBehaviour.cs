using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Attacks.Async;

/// <summary>
/// Delay inflation: the Byzantine worker holds each message back, so it arrives later than the
/// network would deliver it and is staler when the server applies it.
/// </summary>
/// <remarks>
/// <c>delay:extra=50ms,dist=constant|uniform|exponential</c>. The extra delay E is added to the
/// worker's network delay: <c>constant</c> (default) E = extra; <c>uniform</c> E ~ U[0, 2·extra)
/// (mean extra); <c>exponential</c> E ~ Exp(mean extra). Random draws come from the attack's stream
/// and are rounded once to whole nanoseconds (half to even). Default extra = 50ms.
/// </remarks>
internal sealed class DelayInflationBehaviour : IAsyncBehaviour
{
    public static readonly ComponentInfo Info = new(
        "delay", "add an extra delay to every Byzantine message (constant, uniform or exponential)",
        "asynchronous threat model of Zeno++ (Xie et al., ICML 2020): Byzantine messages arrive late on purpose",
        "async protocols only",
        [
            new("extra", "duration (e.g. 50ms)", "50ms", "the extra delay, or its mean for random dist"),
            new("dist", "constant|uniform|exponential", "constant", "constant: exactly extra; uniform: U[0, 2·extra); exponential: mean extra"),
        ]);

    private readonly long _extraNs;
    private readonly string _dist;

    private DelayInflationBehaviour(SimTime extra, string dist)
    {
        _extraNs = extra.Nanoseconds;
        _dist = dist;
        Spec = new SpecText("delay").Add("extra", extra.ToString()).Add("dist", dist).ToString();
    }

    public static IAsyncBehaviour Create(SpecParameters p)
    {
        string text = p.GetString("extra", "50ms");
        if (!SimTime.TryParse(text, out SimTime extra, out string error))
        {
            throw new SimByzException($"async behaviour 'delay': parameter 'extra={text}' is invalid: {error}");
        }
        if (extra < SimTime.Zero) throw new SimByzException($"async behaviour 'delay': parameter 'extra={text}' is invalid: expected a duration ≥ 0");
        return new DelayInflationBehaviour(extra, p.GetChoice("dist", "constant", "constant", "uniform", "exponential"));
    }

    public string Spec { get; }

    public SimTime ExtraDelay(RandomStream rng)
    {
        if (_extraNs == 0) return SimTime.Zero;
        double ns = _dist switch
        {
            "uniform" => 2.0 * _extraNs * rng.NextDouble(),
            "exponential" => rng.NextExponential(1.0 / _extraNs),
            _ => _extraNs,
        };
        return SimTime.FromNanoseconds((long)Math.Round(Math.Min(ns, long.MaxValue / 2.0), MidpointRounding.ToEven));
    }
}
