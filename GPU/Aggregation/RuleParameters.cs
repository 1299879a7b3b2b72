using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Gpu.Aggregation;

/// <summary>Parameter reading shared by the tensor rules, with the managed rules' defaults.</summary>
internal static class RuleParameters
{
    /// <summary>f (or b): given, else the scenario's declared q, else an error naming the rule.</summary>
    public static int ByzantineCount(SpecParameters p, AggregatorBuildContext ctx, string key, string rule)
    {
        if (p.Has(key)) return p.GetInt(key, defaultValue: 0, min: 0);
        if (ctx.DeclaredByzantine >= 0) return ctx.DeclaredByzantine;
        return p.RequireInt(key, min: 0); // throws "parameter is required", as the managed rules do
    }

    public static SimByzException Tolerance(string spec, int n, string condition)
        => new($"{spec}: tolerance condition {condition} does not hold for n = {n} inputs");
}
