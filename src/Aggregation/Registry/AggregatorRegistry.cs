using SimByz.Specs;
using SimByz.Aggregation.PreAggregators;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;

namespace SimByz.Aggregation.Registry;

/// <summary>What a factory may use besides the spec: the run's seed for seeded pre-aggregators.</summary>
/// <param name="Seed">Root seed; seeded components derive their own stream from it (purpose <see cref="StreamPurpose.PreAggregation"/>).</param>
/// <param name="DeclaredByzantine">The scenario's q, used as the default f/b where a rule's parameter defaults to it (−1 when unknown).</param>
public sealed record AggregatorBuildContext(ulong Seed = 0, int DeclaredByzantine = -1);

/// <summary>
/// Every synchronous rule, pre-aggregator and asynchronous rule by stable name, built from a spec
/// in the grammar of <see cref="ComponentSpec"/>: <c>name:k=v,...</c>, and
/// <c>pre1+pre2+rule</c> for pre-aggregators in front of a rule.
/// </summary>
/// <remarks>Entries are listed in a fixed order (the order of <c>simbyz list</c>). Thread-safe (immutable).</remarks>
public static class AggregatorRegistry
{
    private sealed record Entry<T>(ComponentInfo Info, Func<SpecParameters, AggregatorBuildContext, T> Factory);

    private static readonly List<Entry<IAggregator>> RuleEntries =
    [
        new(MeanRule.Info, (p, _) => MeanRule.Create(p)),
        new(CoordinateWiseMedianRule.Info, (p, _) => CoordinateWiseMedianRule.Create(p)),
        new(TrimmedMeanRule.Info, TrimmedMeanRule.Create),
        new(GeometricMedianRule.Info, GeometricMedianRule.Create),
        new(KrumRule.Info, KrumRule.Create),
        new(MultiKrumRule.Info, MultiKrumRule.Create),
        new(BulyanRule.Info, BulyanRule.Create),
        new(CenteredClippingRule.Info, CenteredClippingRule.Create),
        new(MeaMedRule.Info, MeaMedRule.Create),
        new(MdaRule.Info, MdaRule.Create),
        new(MonnaRule.Info, MonnaRule.Create),
        new(SignMajorityRule.Info, (p, _) => SignMajorityRule.Create(p)),
        new(ZenoRule.Info, ZenoRule.Create),
    ];

    private static readonly List<Entry<Func<IAggregator, IAggregator>>> PreAggregatorEntries =
    [
        new(BucketingPreAggregator.Info, BucketingPreAggregator.Create),
        new(NearestNeighborMixingPreAggregator.Info, NearestNeighborMixingPreAggregator.Create),
        new(ClippingPreAggregator.Info, ClippingPreAggregator.Create),
        new(AdaptiveRobustClippingPreAggregator.Info, AdaptiveRobustClippingPreAggregator.Create),
    ];

    private static readonly List<Entry<IAsyncAggregator>> AsyncEntries =
    [
        new(AsyncSgdRule.Info, (p, _) => AsyncSgdRule.Create(p)),
        new(ZenoPlusPlusRule.Info, (p, _) => ZenoPlusPlusRule.Create(p)),
    ];

    public static IReadOnlyList<ComponentInfo> Rules => RuleEntries.Select(e => e.Info).ToList();

    public static IReadOnlyList<ComponentInfo> PreAggregators => PreAggregatorEntries.Select(e => e.Info).ToList();

    public static IReadOnlyList<ComponentInfo> AsyncRules => AsyncEntries.Select(e => e.Info).ToList();

    /// <summary>Builds a synchronous rule, with any pre-aggregators in front, from <paramref name="spec"/>.</summary>
    /// <exception cref="SimByzException">Unknown name, bad parameter, or a pre-aggregator in the rule's place.</exception>
    public static IAggregator Create(string spec, AggregatorBuildContext? context = null)
    {
        context ??= new AggregatorBuildContext();
        var chain = ComponentSpec.ParseChain(spec, "rule");
        var last = chain[^1];
        var rule = Build(RuleEntries, last, context, "rule", Names(RuleEntries));
        for (int i = chain.Count - 2; i >= 0; i--)
        {
            var wrap = Build(PreAggregatorEntries, chain[i], context, "pre-aggregator", Names(PreAggregatorEntries));
            rule = wrap(rule);
        }
        return rule;
    }

    /// <summary>Builds an asynchronous rule (e.g. <c>async-sgd</c>, <c>zeno++:rho=0.001</c>).</summary>
    public static IAsyncAggregator CreateAsync(string spec, AggregatorBuildContext? context = null)
    {
        context ??= new AggregatorBuildContext();
        // The paper's name "zeno++" contains the chain separator '+': read it as the registered name.
        string text = (spec ?? "").Trim();
        if (text.StartsWith(ZenoPlusPlusRule.PaperName, StringComparison.Ordinal)
            && (text.Length == ZenoPlusPlusRule.PaperName.Length || text[ZenoPlusPlusRule.PaperName.Length] == ':'))
        {
            text = ZenoPlusPlusRule.CanonicalName + text[ZenoPlusPlusRule.PaperName.Length..];
        }
        var chain = ComponentSpec.ParseChain(text, "async rule");
        if (chain.Count != 1) throw new SimByzException($"async rule '{spec}': asynchronous rules take no pre-aggregators");
        return Build(AsyncEntries, chain[0], context, "async rule", Names(AsyncEntries));
    }

    private static string Names<T>(List<Entry<T>> entries) => string.Join(", ", entries.Select(e => e.Info.Name));

    private static T Build<T>(List<Entry<T>> entries, ComponentSpec spec, AggregatorBuildContext context, string what, string known)
    {
        var entry = entries.FirstOrDefault(e => e.Info.Name == spec.Name)
            ?? throw new SimByzException($"unknown {what} '{spec.Name}' (known: {known})");
        var parameters = spec.Read(what);
        T built = entry.Factory(parameters, context);
        parameters.EnsureAllUsed();
        return built;
    }
}
