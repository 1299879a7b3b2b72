using SimByz.Aggregation.Registry;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Gpu.Aggregation;

/// <summary>Parameter reading shared by the tensor rules, with the managed rules' defaults.</summary>
internal static class RuleParameters
{
    /// <summary>f (or b): given, else the scenario's declared q, else an error naming the rule.</summary>
    public static int ByzantineCount(SpecParameters p, AggregatorBuildContext ctx, string key, string rule)
    {
        if (p.Has(key)) return p.GetInt(key, 0, 0);
        if (ctx.DeclaredByzantine >= 0) return ctx.DeclaredByzantine;
        throw new SimByzException($"{rule}: parameter '{key}' is required (an integer ≥ 0; it defaults to the scenario's number of Byzantine workers when one is known)");
    }

    public static SimByzException Tolerance(string spec, int n, string condition)
        => new($"{spec}: needs {condition}, got n = {n}");
}
