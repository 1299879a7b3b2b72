using SimByz.Specs;

namespace SimByz.Scheduler;

/// <summary>
/// Every delay model by stable name, built from a spec in the <see cref="ComponentSpec"/> grammar,
/// e.g. <c>constant:t=5ms</c>, <c>uniform:min=1ms,max=3ms</c>, <c>exponential:mean=2ms</c>,
/// <c>lognormal:mu=-6,sigma=0.5</c>, <c>pareto:scale=1ms,alpha=2.5</c>,
/// <c>empirical:values=1ms;2ms;5ms</c>, <c>trace:file=latency.txt,on-end=loop</c>.
/// </summary>
/// <remarks>
/// <para><b>Composite models are chains.</b> A component cannot contain another (':' and ',' are
/// reserved inside a component), so a model that wraps another is written as a chain prefix and
/// wraps everything after it: <c>A+B+C</c> means A(B(C)). The wrappers are
/// <c>shifted:offset=D</c> (adds D), <c>straggler:p=P,factor=K</c> (with probability P multiplies
/// by K) and <c>trace:...,on-end=fallback</c> (replays a trace, then draws from the rest of the
/// chain). Examples: <c>straggler:p=0.1,factor=10+lognormal:mu=-6,sigma=0.5</c>,
/// <c>shifted:offset=1ms+straggler:p=0.05,factor=20+exponential:mean=2ms</c>,
/// <c>trace:file=w3.txt,on-end=fallback+empirical:file=all.txt</c>. Every other model must be
/// last. The same structure is available as objects (<see cref="ShiftedDelayOptions"/>,
/// <see cref="StragglerDelayOptions"/>, <see cref="TraceDelayOptions"/> take the inner
/// <see cref="DelayModelOptions"/>), which is how a scenario file builds them.</para>
/// <para><b>Values.</b> Durations accept SimTime text (<c>5ms</c>, <c>250us</c>, <c>1.5s</c>) or plain
/// seconds (<c>0.005</c>). Lists (empirical values, trace durations) separate items with ';'. File
/// paths must not contain ',', '+' or ':'.</para>
/// <para><see cref="Parse"/> returns the options (immutable, shareable); build one model per worker
/// with <see cref="DelayModelOptions.Build"/>, since trace models are stateful. Entries are listed in
/// a fixed order (the order of <c>simbyz list</c>). Thread-safe (immutable).</para>
/// </remarks>
public static class DelayModelRegistry
{
    private const string What = "delay model";

    private enum InnerUse
    {
        None,
        Required,
        Optional,
    }

    private sealed record Entry(ComponentInfo Info, InnerUse Inner, Func<ComponentSpec, SpecParameters, DelayModelOptions?, DelayModelOptions> Factory);

    private static readonly ParameterInfo ValuesParameter = new("values", "durations separated by ';'", "required unless file", "the durations, e.g. 1ms;2.5ms;0.004");
    private static readonly ParameterInfo FileParameter = new("file", "path", "required unless values", "a text file of one duration per line ('#' comments)");

    private static readonly Entry[] Entries =
    [
        new(new ComponentInfo("constant", "always the same delay t", "deterministic baseline", "n/a",
                [new("t", "duration ≥ 0", "required", "the delay")]),
            InnerUse.None, (_, p, _) => new ConstantDelayOptions(Duration(p, "t"))),
        new(new ComponentInfo("uniform", "uniform on [min, max)", "min + (max−min)·U", "n/a",
                [new("min", "duration ≥ 0", "required", "lower bound"), new("max", "duration ≥ min", "required", "upper bound")]),
            InnerUse.None, (_, p, _) => new UniformDelayOptions(Duration(p, "min"), Duration(p, "max"))),
        new(new ComponentInfo("exponential", "exponential with the given mean (memoryless)", "inversion −mean·ln U", "n/a",
                [new("mean", "duration > 0", "required", "mean delay")]),
            InnerUse.None, (_, p, _) => new ExponentialDelayOptions(Duration(p, "mean"))),
        new(new ComponentInfo("lognormal", "exp(mu + sigma·Z) seconds, Z standard normal", "log-normal latency model; Z by Marsaglia's polar method", "n/a",
                [new("mu", "number in [-50, 20]", "required", "mean of ln(delay in seconds); median = e^mu s"),
                 new("sigma", "number in [0, 10]", "required", "standard deviation of ln(delay)")]),
            InnerUse.None, (_, p, _) => new LognormalDelayOptions(p.GetDouble("mu"), p.GetDouble("sigma"))),
        new(new ComponentInfo("pareto", "Pareto type I: P(d > x) = (scale/x)^alpha for x ≥ scale (heavy tail)", "inversion scale·U^(−1/alpha)", "n/a",
                [new("scale", "duration > 0", "required", "minimum delay x_m"),
                 new("alpha", "number in (0, 1000]", "required", "tail index; mean finite for alpha > 1, variance for alpha > 2")]),
            InnerUse.None, (_, p, _) => new ParetoDelayOptions(Duration(p, "scale"), p.GetDouble("alpha"))),
        new(new ComponentInfo("empirical", "one of the given values, uniformly at random", "resampling of measured delays", "n/a",
                [ValuesParameter, FileParameter]),
            InnerUse.None, (_, p, _) => new EmpiricalDelayOptions(Durations(p, "empirical"))),
        new(new ComponentInfo("trace", "replays a recorded sequence of durations in order (one model per worker)", "trace-driven simulation of measured timings", "n/a",
                [ValuesParameter, FileParameter,
                 new("on-end", "error | loop | fallback", "error", "after the last duration: fail, start over, or draw from the rest of the chain")]),
            InnerUse.Optional, (_, p, inner) =>
            {
                double[] durations = Durations(p, "trace");
                var onEnd = p.GetChoice("on-end", "error", "error", "loop", "fallback") switch
                {
                    "loop" => TraceEndBehavior.Loop,
                    "fallback" => TraceEndBehavior.Fallback,
                    _ => TraceEndBehavior.Error,
                };
                if (onEnd == TraceEndBehavior.Fallback && inner is null)
                {
                    throw new SimByzException("on-end=fallback needs the fallback model after it in the chain, e.g. trace:file=w.txt,on-end=fallback+exponential:mean=2ms");
                }
                if (onEnd != TraceEndBehavior.Fallback && inner is not null)
                {
                    throw new SimByzException("a model follows the trace in the chain, which is used only with on-end=fallback");
                }
                return new TraceDelayOptions(durations, onEnd, inner);
            }),
        new(new ComponentInfo("shifted", "chain prefix: offset + the sample of the model after it", "shifted (delayed) distributions: a latency floor plus a random part", "n/a",
                [new("offset", "duration ≥ 0", "required", "constant added to every sample")]),
            InnerUse.Required, (_, p, inner) => new ShiftedDelayOptions(Duration(p, "offset"), inner!)),
        new(new ComponentInfo("straggler", "chain prefix: with probability p, multiply the sample of the model after it by factor", "straggler mixture (Dean and Barroso, The Tail at Scale, 2013)", "n/a",
                [new("p", "number in [0, 1]", "required", "probability that a sample is a straggler"),
                 new("factor", "number in [1, 1000000]", "required", "slow-down of a straggler")]),
            InnerUse.Required, (_, p, inner) => new StragglerDelayOptions(p.GetDouble("p"), p.GetDouble("factor"), inner!)),
    ];

    /// <summary>Every delay model, in listing order.</summary>
    public static IReadOnlyList<ComponentInfo> Models => Entries.Select(e => e.Info).ToList();

    /// <summary>Parses a delay-model spec (a single model or a wrapper chain) into validated options.</summary>
    /// <exception cref="SimByzException">Unknown name, bad or unknown parameter, wrong chain structure.</exception>
    public static DelayModelOptions Parse(string spec)
    {
        var chain = ComponentSpec.ParseChain(spec, What);
        return Build(chain, 0, (spec ?? "").Trim());
    }

    /// <summary>Parses <paramref name="spec"/> and builds one model instance (see <see cref="DelayModelOptions.Build"/>).</summary>
    public static IDelayModel Create(string spec) => Parse(spec).Build();

    private static DelayModelOptions Build(IReadOnlyList<ComponentSpec> chain, int index, string fullSpec)
    {
        var component = chain[index];
        Entry entry = Array.Find(Entries, e => e.Info.Name == component.Name)
            ?? throw new SimByzException($"{What} '{fullSpec}': unknown model '{component.Name}' (known: {string.Join(", ", Entries.Select(e => e.Info.Name))})");
        bool last = index == chain.Count - 1;
        if (entry.Inner == InnerUse.None && !last)
        {
            throw new SimByzException($"{What} '{fullSpec}': '{component.Name}' must be the last model of the chain (only shifted, straggler and trace with on-end=fallback take the model after them)");
        }
        if (entry.Inner == InnerUse.Required && last)
        {
            throw new SimByzException($"{What} '{fullSpec}': '{component.Name}' wraps the model after it, but none follows (e.g. {component.Name}:...+exponential:mean=2ms)");
        }
        DelayModelOptions? inner = last ? null : Build(chain, index + 1, fullSpec);
        var parameters = component.Read(What);
        DelayModelOptions built;
        try
        {
            built = entry.Factory(component, parameters, inner);
        }
        catch (SimByzException e) when (!e.Message.StartsWith(What + " '", StringComparison.Ordinal))
        {
            throw new SimByzException($"{What} '{component}': {e.Message}", e);
        }
        parameters.EnsureAllUsed();
        return built;
    }

    private static double Duration(SpecParameters p, string key)
    {
        if (!p.Has(key)) throw new SimByzException($"parameter '{key}' is required (a duration such as 5ms, or plain seconds)");
        string raw = p.GetString(key, "");
        if (!DelayText.TryParseSeconds(raw, out double seconds))
        {
            throw new SimByzException($"parameter '{key}={raw}' is invalid: expected a duration such as 5ms, 250us, 1.5s, or plain seconds 0.005");
        }
        return seconds;
    }

    private static double[] Durations(SpecParameters p, string model)
    {
        bool hasValues = p.Has("values"), hasFile = p.Has("file");
        if (hasValues == hasFile) throw new SimByzException("give exactly one of 'values' (durations separated by ';') or 'file' (a path)");
        return hasValues
            ? DurationFile.ParseList(p.GetString("values", ""), "parameter 'values'")
            : DurationFile.Read(p.GetString("file", ""), model);
    }
}
