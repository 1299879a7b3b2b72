using SimByz.Aggregation.PreAggregators;
using SimByz.Aggregation.Rules;
using SimByz.Specs;

namespace SimByz.Aggregation;

/// <summary>
/// The aggregation components: synchronous rules, pre-aggregators and asynchronous rules, each a
/// <see cref="ComponentCatalog{TContext, T}"/>, built from specs in the grammar of
/// <see cref="ComponentSpec"/>: <c>name:k=v,...</c>, and <c>pre1+pre2+rule</c> for pre-aggregators
/// in front of a rule.
/// </summary>
/// <param name="Rules">Synchronous rules (<c>krum</c>, <c>median</c>, …); an entry's twin is its tensor implementation.</param>
/// <param name="PreAggregators">Pre-aggregators (<c>bucketing</c>, <c>nnm</c>, …): a factory returns the wrapper it puts around the rule after it.</param>
/// <param name="AsyncRules">Asynchronous rules (<c>async-sgd</c>, <c>zenopp</c>, <c>kardam</c>, <c>aflguard</c>, …); an entry's twin is its tensor implementation.</param>
/// <remarks>
/// <see cref="BuiltIn"/> holds SimByz's own components in the order of <c>simbyz list</c>; plug-ins
/// extend a copy (<c>with</c> and <see cref="ComponentCatalog{TContext, T}.Add(CatalogEntry{TContext, T})"/>).
/// Each call builds a new instance (rules keep buffers and state). Thread-safe (immutable).
/// </remarks>
public sealed record AggregatorCatalog(
    ComponentCatalog<AggregatorBuildContext, IAggregator> Rules,
    ComponentCatalog<AggregatorBuildContext, Func<IAggregator, IAggregator>> PreAggregators,
    ComponentCatalog<AggregatorBuildContext, IAsyncAggregator> AsyncRules)
{
    /// <summary>SimByz's built-in rules, pre-aggregators and asynchronous rules.</summary>
    public static AggregatorCatalog BuiltIn { get; } = new(
        new ComponentCatalog<AggregatorBuildContext, IAggregator>("rule")
            .Add(MeanRule.Info, (p, _) => MeanRule.Create(p))
            .Add(CoordinateWiseMedianRule.Info, (p, _) => CoordinateWiseMedianRule.Create(p))
            .Add(TrimmedMeanRule.Info, TrimmedMeanRule.Create)
            .Add(GeometricMedianRule.Info, GeometricMedianRule.Create)
            .Add(KrumRule.Info, KrumRule.Create)
            .Add(MultiKrumRule.Info, MultiKrumRule.Create)
            .Add(BulyanRule.Info, BulyanRule.Create)
            .Add(CenteredClippingRule.Info, CenteredClippingRule.Create)
            .Add(MeaMedRule.Info, MeaMedRule.Create)
            .Add(MdaRule.Info, MdaRule.Create)
            .Add(MonnaRule.Info, MonnaRule.Create)
            .Add(SignMajorityRule.Info, (p, _) => SignMajorityRule.Create(p))
            .Add(ZenoRule.Info, ZenoRule.Create),
        new ComponentCatalog<AggregatorBuildContext, Func<IAggregator, IAggregator>>("pre-aggregator")
            .Add(BucketingPreAggregator.Info, BucketingPreAggregator.Create)
            .Add(NearestNeighborMixingPreAggregator.Info, NearestNeighborMixingPreAggregator.Create)
            .Add(ClippingPreAggregator.Info, ClippingPreAggregator.Create)
            .Add(AdaptiveRobustClippingPreAggregator.Info, AdaptiveRobustClippingPreAggregator.Create),
        new ComponentCatalog<AggregatorBuildContext, IAsyncAggregator>("async rule")
            .Add(AsyncSgdRule.Info, (p, _) => AsyncSgdRule.Create(p))
            .Add(ZenoPlusPlusRule.Info, (p, _) => ZenoPlusPlusRule.Create(p))
            .Add(KardamRule.Info, KardamRule.Create)
            .Add(AflGuardRule.Info, (p, _) => AflGuardRule.Create(p))
            .Add(FedAsyncRule.Info, (p, _) => FedAsyncRule.Create(p))
            .Add(FedBuffRule.Info, (p, _) => FedBuffRule.Create(p))
            .Add(BasgdRule.Info, (p, c) => BasgdRule.Create(p, name => BuiltIn!.Create(name, c))));

    /// <summary>Builds a synchronous rule, with any pre-aggregators in front, from <paramref name="spec"/>.</summary>
    /// <exception cref="SimByzException">Unknown name, bad parameter, or a pre-aggregator in the rule's place.</exception>
    public IAggregator Create(string spec, AggregatorBuildContext? context = null)
    {
        context ??= new AggregatorBuildContext();
        var chain = ComponentSpec.ParseChain(spec, Rules.Kind);
        var rule = Rules.Find(chain[^1].Name) is null && PreAggregators.Contains(chain[^1].Name)
            ? throw new SimByzException($"rule '{spec}': '{chain[^1].Name}' is a pre-aggregator; a chain ends with a rule, e.g. {chain[^1].Name}+median")
            : Rules.Create(chain[^1], context);
        for (int i = chain.Count - 2; i >= 0; i--)
        {
            var wrap = PreAggregators.Create(chain[i], context);
            rule = wrap(rule);
        }
        return rule;
    }

    /// <summary>True if <paramref name="spec"/> names an asynchronous rule (including the alias <c>zeno++</c>).</summary>
    public bool IsAsyncRule(string spec)
    {
        string text = (spec ?? "").Trim();
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? text : text[..colon];
        return name == ZenoPlusPlusRule.PaperName || AsyncRules.Contains(name);
    }

    /// <summary>Builds an asynchronous rule (e.g. <c>async-sgd</c>, <c>zeno++:rho=0.001</c>).</summary>
    /// <exception cref="SimByzException">Unknown name, bad parameter, or a chain.</exception>
    public IAsyncAggregator CreateAsync(string spec, AggregatorBuildContext? context = null)
        => AsyncRules.Create(ParseAsync(spec), context ?? new AggregatorBuildContext());

    /// <summary>Parses the asynchronous rule <paramref name="spec"/> (the alias <c>zeno++</c> read as <c>zenopp</c>) without building it.</summary>
    /// <exception cref="SimByzException">Malformed spec, or a chain.</exception>
    public ComponentSpec ParseAsync(string spec)
    {
        // The paper's name "zeno++" contains the chain separator '+': read it as the catalogued name.
        string text = (spec ?? "").Trim();
        if (text.StartsWith(ZenoPlusPlusRule.PaperName, StringComparison.Ordinal)
            && (text.Length == ZenoPlusPlusRule.PaperName.Length || text[ZenoPlusPlusRule.PaperName.Length] == ':'))
        {
            text = ZenoPlusPlusRule.CanonicalName + text[ZenoPlusPlusRule.PaperName.Length..];
        }
        var chain = ComponentSpec.ParseChain(text, AsyncRules.Kind);
        if (chain.Count != 1) throw new SimByzException($"async rule '{spec}': asynchronous rules take no pre-aggregators");
        return chain[0];
    }

    /// <summary>Throws unless every component of <paramref name="spec"/> (a rule chain or an async rule) is known and well-formed.</summary>
    public void Validate(string spec)
    {
        if (IsAsyncRule(spec)) CreateAsync(spec);
        else Create(spec);
    }
}
