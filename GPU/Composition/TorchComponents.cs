using SimByz.Aggregation;
using SimByz.Gpu.Aggregation;
using SimByz.Gpu.Aggregation.AsyncRules;
using SimByz.Gpu.Aggregation.PreAggregators;
using SimByz.Gpu.Aggregation.Rules;
using SimByz.Gpu.Models;
using SimByz.Simulator.Composition;
using SimByz.Specs;

namespace SimByz.Gpu.Composition;

/// <summary>
/// What the torch backend adds to a composition: the tensor twin of each aggregation rule,
/// pre-aggregator and asynchronous rule (the twin column of the aggregation catalogue, by the same
/// names and parameters),
/// and the torch models (<c>torch-mlp</c>, <c>cnn</c>, <c>zeno-cnn</c>).
/// </summary>
/// <remarks>
/// Nothing here loads libtorch: a torch model's device is chosen (and libtorch loaded) the first time
/// one is built, and a twin only when the torch backend builds a rule, so listing the catalogue works
/// on a machine without libtorch. Attaching a twin to a name the catalogue lacks is an error, so the
/// twin names cannot drift from the rules'. Thread-safe (immutable tables).
/// </remarks>
public static class TorchComponents
{
    private static readonly (string Name, Func<SpecParameters, AggregatorBuildContext, object> Factory)[] RuleTwins =
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

    private static readonly (string Name, Func<SpecParameters, AggregatorBuildContext, object> Factory)[] PreAggregatorTwins =
    [
        ("bucketing", TorchBucketing.Create),
        ("nnm", TorchNnm.Create),
        ("clipping", (p, _) => TorchClipping.Create(p)),
        ("arc", TorchArc.Create),
    ];

    /// <summary>
    /// The asynchronous rules' twins; BASGD's builds the twin of its robust rule from <paramref name="rules"/>
    /// (the synchronous rules with their twins attached).
    /// </summary>
    private static (string Name, Func<SpecParameters, AggregatorBuildContext, object> Factory)[] AsyncRuleTwins(ComponentCatalog<AggregatorBuildContext, IAggregator> rules) =>
    [
        ("async-sgd", (p, _) => TorchAsyncSgd.Create(p)),
        ("zenopp", (p, _) => TorchZenoPlusPlus.Create(p)),
        ("kardam", TorchKardam.Create),
        ("aflguard", (p, _) => TorchAflGuard.Create(p)),
        ("fedasync", (p, _) => TorchFedAsync.Create(p)),
        ("fedbuff", (p, _) => TorchFedBuff.Create(p)),
        ("basgd", (p, c) => TorchBasgd.Create(p, c, name => (ITensorRule)rules.CreateTwin(ComponentSpec.Parse(name, rules.Kind), c, "torch"))),
    ];

    /// <summary>Names of the rules with a tensor twin, in catalogue order.</summary>
    public static IReadOnlyList<string> RuleNames { get; } = RuleTwins.Select(e => e.Name).ToArray();

    /// <summary>Names of the pre-aggregators with a tensor twin.</summary>
    public static IReadOnlyList<string> PreAggregatorNames { get; } = PreAggregatorTwins.Select(e => e.Name).ToArray();

    /// <summary>Names of the asynchronous rules with a tensor twin, in catalogue order.</summary>
    public static IReadOnlyList<string> AsyncRuleNames { get; } = AsyncRuleTwins(AggregatorCatalog.BuiltIn.Rules).Select(e => e.Name).ToArray();

    /// <summary>
    /// <paramref name="catalogs"/> with the tensor twins attached and the torch models added;
    /// <paramref name="device"/> is asked for the device the first time a torch model is built.
    /// </summary>
    /// <exception cref="SimByzException">A twin names a rule the catalogue lacks, or a torch model's name is taken.</exception>
    public static ComponentCatalogs AddTo(ComponentCatalogs catalogs, Func<TorchDevice> device)
    {
        ArgumentNullException.ThrowIfNull(catalogs);
        ArgumentNullException.ThrowIfNull(device);
        var rules = catalogs.Aggregators.Rules;
        foreach (var (name, factory) in RuleTwins) rules = rules.WithTwin(name, factory);
        var pre = catalogs.Aggregators.PreAggregators;
        foreach (var (name, factory) in PreAggregatorTwins) pre = pre.WithTwin(name, factory);
        var asyncRules = catalogs.Aggregators.AsyncRules;
        foreach (var (name, factory) in AsyncRuleTwins(rules)) asyncRules = asyncRules.WithTwin(name, factory);
        var models = catalogs.Models;
        foreach (var info in TorchModels.Models)
        {
            models = models.Add(info, (p, _) =>
            {
                // Parameters are checked in full when the model is built (some defaults depend on the
                // data's shape); mark the known ones as used so that unknown keys fail now.
                foreach (var parameter in info.Parameters) p.Has(parameter.Name);
                string spec = p.Spec.ToString();
                return (features, classes) => TorchModels.Create(spec, features, classes, device());
            });
        }
        return catalogs with
        {
            Aggregators = catalogs.Aggregators with { Rules = rules, PreAggregators = pre, AsyncRules = asyncRules },
            Models = models,
        };
    }

    /// <summary>The built-in catalogues with the torch entries, on <paramref name="device"/>.</summary>
    public static ComponentCatalogs BuiltIn(TorchDevice device) => AddTo(ComponentCatalogs.BuiltIn, () => device);

    /// <summary>The tensor twin of the built-in rule chain <paramref name="spec"/> on <paramref name="device"/>.</summary>
    /// <exception cref="SimByzException">Unknown name, bad parameter, or no twin.</exception>
    public static IAggregator CreateRule(string spec, TorchDevice device, AggregatorBuildContext? context = null)
        => new TorchBackend(device).CreateRule(BuiltIn(device).Aggregators, spec, context ?? new AggregatorBuildContext());

    /// <summary>The tensor twin of the built-in asynchronous rule <paramref name="spec"/> on <paramref name="device"/>.</summary>
    /// <exception cref="SimByzException">Unknown name, bad parameter, or no twin.</exception>
    public static IAsyncAggregator CreateAsyncRule(string spec, TorchDevice device, AggregatorBuildContext? context = null)
        => new TorchBackend(device).CreateAsyncRule(BuiltIn(device).Aggregators, spec, context ?? new AggregatorBuildContext());

    /// <summary>True if <paramref name="name"/> is one of the torch models.</summary>
    public static bool IsTorchModel(string name) => TorchModels.IsTorchModel(name);
}
