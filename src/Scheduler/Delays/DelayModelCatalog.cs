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
public static class DelayModelCatalog
{
    private const string What = "delay model";

    internal static readonly ParameterInfo ValuesParameter = new("values", "durations separated by ';'", "required unless file", "the durations, e.g. 1ms;2.5ms;0.004");
    internal static readonly ParameterInfo FileParameter = new("file", "path", "required unless values", "a text file of one duration per line ('#' comments)");

    /// <summary>SimByz's built-in delay models, in listing order. A factory gets the model after it in the chain (null if it is last).</summary>
    public static ComponentCatalog<DelayModelOptions?, DelayModelOptions> BuiltIn { get; } = new ComponentCatalog<DelayModelOptions?, DelayModelOptions>(What)
            .Add(ConstantDelayOptions.Info, Leaf(p => new ConstantDelayOptions(Duration(p, "t"))))
            .Add(UniformDelayOptions.Info, Leaf(p => new UniformDelayOptions(Duration(p, "min"), Duration(p, "max"))))
            .Add(ExponentialDelayOptions.Info, Leaf(p => new ExponentialDelayOptions(Duration(p, "mean"))))
            .Add(LognormalDelayOptions.Info, Leaf(p => new LognormalDelayOptions(p.RequireDouble("mu"), p.RequireDouble("sigma"))))
            .Add(ParetoDelayOptions.Info, Leaf(p => new ParetoDelayOptions(Duration(p, "scale"), p.RequireDouble("alpha"))))
            .Add(EmpiricalDelayOptions.Info, Leaf(p => new EmpiricalDelayOptions(Durations(p, "empirical"))))
            .Add(TraceDelayOptions.Info, (p, inner) =>
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
            })
            .Add(ShiftedDelayOptions.Info, Wrapper((p, inner) => new ShiftedDelayOptions(Duration(p, "offset"), inner)))
            .Add(StragglerDelayOptions.Info, Wrapper((p, inner) => new StragglerDelayOptions(p.RequireDouble("p"), p.RequireDouble("factor"), inner)));

    /// <summary>Every built-in delay model, in listing order.</summary>
    public static IReadOnlyList<ComponentInfo> Models => BuiltIn.Infos;

    /// <summary>Parses a delay-model spec (a single model or a wrapper chain) into validated options.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="catalog">The delay models to resolve names in (default: <see cref="BuiltIn"/>).</param>
    /// <exception cref="SimByzException">Unknown name, bad or unknown parameter, wrong chain structure.</exception>
    public static DelayModelOptions Parse(string spec, ComponentCatalog<DelayModelOptions?, DelayModelOptions>? catalog = null)
    {
        var chain = ComponentSpec.ParseChain(spec, What);
        return Build(catalog ?? BuiltIn, chain, 0, (spec ?? "").Trim());
    }

    /// <summary>Parses <paramref name="spec"/> and builds one model instance (see <see cref="DelayModelOptions.Build"/>).</summary>
    public static IDelayModel Create(string spec) => Parse(spec).Build();

    /// <summary>A factory for a model that must be last in a chain (most models).</summary>
    public static Func<SpecParameters, DelayModelOptions?, DelayModelOptions> Leaf(Func<SpecParameters, DelayModelOptions> factory)
        => (p, inner) => inner is null ? factory(p) : throw new ChainStructureException("must be the last model of the chain (only shifted, straggler, trace with on-end=fallback and plug-in wrappers take the model after them)");

    /// <summary>A factory for a wrapper that needs the model after it in the chain (shifted, straggler).</summary>
    public static Func<SpecParameters, DelayModelOptions?, DelayModelOptions> Wrapper(Func<SpecParameters, DelayModelOptions, DelayModelOptions> factory)
        => (p, inner) => inner is not null ? factory(p, inner) : throw new ChainStructureException("wraps the model after it, but none follows (e.g. {0}:...+exponential:mean=2ms)");

    /// <summary>A chain-structure error, worded after the model's name by <see cref="Build"/>.</summary>
    private sealed class ChainStructureException(string message) : SimByzException(message);

    private static DelayModelOptions Build(ComponentCatalog<DelayModelOptions?, DelayModelOptions> catalog, IReadOnlyList<ComponentSpec> chain, int index, string fullSpec)
    {
        var component = chain[index];
        if (!catalog.Contains(component.Name))
        {
            throw new SimByzException($"{What} '{fullSpec}': unknown model '{component.Name}' (known: {string.Join(", ", catalog.Names)})");
        }
        DelayModelOptions? inner = index == chain.Count - 1 ? null : Build(catalog, chain, index + 1, fullSpec);
        try
        {
            return catalog.Create(component, inner);
        }
        catch (ChainStructureException e)
        {
            throw new SimByzException($"{What} '{fullSpec}': '{component.Name}' " + string.Format(System.Globalization.CultureInfo.InvariantCulture, e.Message, component.Name), e);
        }
        catch (SimByzException e) when (!e.Message.StartsWith(What + " '", StringComparison.Ordinal))
        {
            throw new SimByzException($"{What} '{component}': {e.Message}", e);
        }
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
