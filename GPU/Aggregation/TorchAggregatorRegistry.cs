using SimByz.Aggregation;
using SimByz.Aggregation.Registry;
using SimByz.Gpu.Aggregation.PreAggregators;
using SimByz.Gpu.Aggregation.Rules;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Gpu.Aggregation;

/// <summary>
/// The tensor twins of the aggregation catalogue, by the same names and parameters as
/// <see cref="AggregatorRegistry"/>: <c>pre1+pre2+rule</c> specs build an <see cref="IAggregator"/>
/// that runs on a <see cref="TorchDevice"/>.
/// </summary>
/// <remarks>
/// Rules: mean, median, trimmed-mean, geometric-median, krum, multi-krum, bulyan, cc, meamed, mda, monna,
/// sign-majority, zeno. Pre-aggregators: bucketing, nnm, clipping, arc. Each twin documents its agreement
/// tolerance with the managed rule. Thread-safe (immutable).
/// </remarks>
public static class TorchAggregatorRegistry
{
    private static readonly (string Name, Func<SpecParameters, AggregatorBuildContext, ITensorRule> Factory)[] RuleFactories =
    [
        ("mean", (_, _) => new TorchMean()),
        ("median", (_, _) => new TorchMedian()),
        ("trimmed-mean", TorchTrimmedMean.Create),
        ("geometric-median", (p, _) => TorchGeometricMedian.Create(p)),
        ("krum", TorchKrum.CreateKrum),
        ("multi-krum", TorchKrum.CreateMultiKrum),
        ("bulyan", TorchBulyan.Create),
        ("cc", (p, _) => TorchCenteredClipping.Create(p)),
        ("meamed", TorchMeaMed.Create),
        ("mda", TorchMda.Create),
        ("monna", TorchMonna.Create),
        ("sign-majority", (_, _) => new TorchSignMajority()),
        ("zeno", TorchZeno.Create),
    ];

    private static readonly (string Name, Func<SpecParameters, AggregatorBuildContext, ITensorPreAggregator> Factory)[] PreFactories =
    [
        ("bucketing", TorchBucketing.Create),
        ("nnm", TorchNnm.Create),
        ("clipping", (p, _) => TorchClipping.Create(p)),
        ("arc", TorchArc.Create),
    ];

    /// <summary>Names of the rules with a tensor twin, in catalogue order.</summary>
    public static IReadOnlyList<string> RuleNames { get; } = RuleFactories.Select(e => e.Name).ToArray();

    /// <summary>Names of the pre-aggregators with a tensor twin.</summary>
    public static IReadOnlyList<string> PreAggregatorNames { get; } = PreFactories.Select(e => e.Name).ToArray();

    /// <summary>Builds the tensor twin of <paramref name="spec"/> on <paramref name="device"/>.</summary>
    /// <exception cref="SimByzException">Unknown name or bad parameter (same messages as the managed registry).</exception>
    public static IAggregator Create(string spec, TorchDevice device, AggregatorBuildContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        context ??= new AggregatorBuildContext();
        var chain = ComponentSpec.ParseChain(spec, "rule");
        var rule = Build(RuleFactories, chain[^1], context, "rule");
        var pre = new List<ITensorPreAggregator>();
        for (int i = 0; i < chain.Count - 1; i++) pre.Add(Build(PreFactories, chain[i], context, "pre-aggregator"));
        return new TorchAggregator(pre, rule, device);
    }

    private static T Build<T>((string Name, Func<SpecParameters, AggregatorBuildContext, T> Factory)[] entries, ComponentSpec spec, AggregatorBuildContext context, string what)
    {
        foreach (var (name, factory) in entries)
        {
            if (name != spec.Name) continue;
            var parameters = spec.Read(what);
            T built = factory(parameters, context);
            parameters.EnsureAllUsed();
            return built;
        }
        throw new SimByzException($"unknown {what} '{spec.Name}' for the torch backend (known: {string.Join(", ", entries.Select(e => e.Name))})");
    }
}
