using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Data;
using SimByz.Specs;

namespace SimByz.Tests.SamplePlugin;

/// <summary>Adds one component of every kind SimByz catalogues.</summary>
public sealed class SamplePlugin : ISimByzPlugin
{
    public void Register(PluginRegistrar registrar)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        registrar
            .AddRule(MedianOfMeansRule.Info, (p, _) => new MedianOfMeansRule(p.GetInt("groups", 3, 1, 1000)))
            .AddPreAggregator(new ComponentInfo("damp", "multiplies the aggregate of the rule after it by factor", "test plug-in", "that of the rule",
                [new ParameterInfo("factor", "number in (0, 1]", "0.5", "multiplier")]), (p, _) =>
            {
                double factor = p.GetDouble("factor", 0.5, 1e-9, 1);
                return inner => new DampedRule(inner, factor);
            })
            .AddAsyncRule(new ComponentInfo("sign-sgd", "applies sign(g) of every message", "Bernstein et al. 2018", "any", []), (_, _) => new SignSgdRule())
            .AddGradientAttack(new ComponentInfo("scaled-mean", "sends scale × the honest mean", "test plug-in", "any",
                [new ParameterInfo("scale", "number", "-2", "multiplier of the honest mean")]), (p, _) => new ScaledMeanAttack(p.GetDouble("scale", defaultValue: -2)))
            .AddDataAttack(new ComponentInfo("shift-label", "label ← (label + 1) mod C", "test plug-in", "any", []), (_, _) => new ShiftLabelAttack())
            .AddAsyncBehaviour(new ComponentInfo("lazy", "adds a constant delay to every Byzantine message", "test plug-in", "any",
                [new ParameterInfo("extra-us", "integer ≥ 0", "500", "microseconds added")]), (p, _) => new LazyBehaviour(p.GetInt("extra-us", 500, 0)))
            .AddDelayModel(new ComponentInfo("bimodal", "fast, or slow with probability p", "test plug-in", "n/a",
                [new ParameterInfo("fast-us", "integer ≥ 0", "1000", "fast delay, µs"), new ParameterInfo("slow-us", "integer ≥ 0", "10000", "slow delay, µs"),
                 new ParameterInfo("p", "number in [0, 1]", "0.1", "probability of slow")]), DelayModelCatalog.Leaf(p =>
            {
                double fast = p.GetInt("fast-us", 1000, 0) * 1e-6, slow = p.GetInt("slow-us", 10000, 0) * 1e-6, prob = p.GetDouble("p", 0.1, 0, 1);
                return new CustomDelayOptions("bimodal", p.Spec.ToString(), _ => new BimodalSampler(fast, slow, prob));
            }))
            .AddModel(new ComponentInfo("centroid", "f(x) = ½ mean ‖x − z_i‖²", "test plug-in", "any data", []), _ => (features, _) => new CentroidModel(features))
            .AddDataSource(new ComponentInfo("blobs", "points N(0, I) + c, c ~ N(0, 4I)", "test plug-in", "any",
                [new ParameterInfo("features", "integer ≥ 1", "4", "dimension"), new ParameterInfo("train", "integer ≥ 1", "400", "training points")]), p =>
            {
                int features = p.GetInt("features", 4, 1, 1000), train = p.GetInt("train", 400, 1, 1_000_000);
                return seed => Blobs(seed, features, train);
            });
    }

    private static LoadedData Blobs(ulong seed, int features, int count)
    {
        var rng = RandomStreams.Derive(seed, StreamPurpose.DataGeneration, 0);
        var centre = new double[features];
        for (int j = 0; j < features; j++) centre[j] = 2 * rng.NextNormal();
        var values = new float[count * features];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < features; j++) values[i * features + j] = (float)(centre[j] + rng.NextNormal());
        }
        return new LoadedData(new Dataset(values, count, features, null, 0, new float[count]), null, $"blobs: {count} points in {features} dimensions");
    }
}
