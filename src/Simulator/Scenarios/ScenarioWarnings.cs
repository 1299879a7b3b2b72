using SimByz.Scheduler;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Scenarios;

/// <summary>
/// One-line warnings about settings of a resolved scenario that have no effect or look like mistakes: they are
/// accepted (a sweep may set a field that matters only in some of its runs) but the user likely meant something else.
/// </summary>
/// <remarks>
/// <para>All the checks live here so that <c>run</c>, and anything else that resolves a scenario, say the same thing.
/// Each warning names the field, why it does nothing, and what would make it matter.</para>
/// <para>Pure: reads the scenario and the setup built from it, draws nothing and changes nothing.</para>
/// </remarks>
public static class ScenarioWarnings
{
    /// <summary>The warnings for <paramref name="s"/>, in a fixed order; empty when nothing looks wrong.</summary>
    /// <param name="s">The resolved scenario.</param>
    /// <param name="setup">The setup built from it (<see cref="ScenarioBuilder"/>): the attack
    /// and behaviour instances tell what they read.</param>
    public static IReadOnlyList<string> Check(Scenario s, RunSetup setup)
    {
        var warnings = new List<string>();
        var p = s.Protocol;
        bool sync = p.Kind == ProtocolKind.Sync;
        int n = s.Federation?.PerRound ?? s.Workers.Count, q = s.Federation?.ByzantineClients ?? s.Byzantine.Count;
        if (s.Federation is not null && s.Byzantine.Count > 0)
            warnings.Add($"byzantine.count {s.Byzantine.Count} has no effect with federation: the Byzantine clients are set by federation.byzantine (now {q})");

        if (q == 0 && s.Byzantine.Attack is { } unusedAttack && unusedAttack != "honest")
            warnings.Add($"byzantine.attack '{unusedAttack}' has no effect: {(s.Federation is null ? "byzantine.count" : "federation.byzantine")} is 0, so no worker attacks");
        if (q == 0 && s.Byzantine.DataAttack is { } unusedData)
            warnings.Add($"byzantine.dataAttack '{unusedData}' has no effect: {(s.Federation is null ? "byzantine.count" : "federation.byzantine")} is 0, so no worker attacks");
        if (q == 0 && s.Byzantine.Behaviour is { } unusedBehaviour)
            warnings.Add($"byzantine.behaviour '{unusedBehaviour}' has no effect: {(s.Federation is null ? "byzantine.count" : "federation.byzantine")} is 0");

        if (sync)
        {
            if (p.MaxStaleness >= 0)
                warnings.Add($"protocol.maxStaleness {p.MaxStaleness} has no effect in a synchronous run: every reply is computed on the round's model (staleness 0); it applies with protocol.kind \"async\"");
            if (p.AsyncBuffer > 0)
                warnings.Add($"protocol.asyncBuffer {p.AsyncBuffer} has no effect in a synchronous run; it applies with protocol.kind \"async\"");
            if (p.Wait != SyncWait.FirstK && p.K > 0)
                warnings.Add($"protocol.k {p.K} has no effect with wait \"{WaitName(p.Wait)}\"; it applies with wait \"first-k\"");
            if (p.Wait != SyncWait.Deadline && p.Deadline > SimTime.Zero)
                warnings.Add($"protocol.deadline {p.Deadline} has no effect with wait \"{WaitName(p.Wait)}\"; it applies with wait \"deadline\"");
            if (p.Wait == SyncWait.FirstK && p.K >= n)
                warnings.Add($"protocol.k {p.K} with {n} workers waits for every reply: the same as wait \"all\"");
            if (p.Wait == SyncWait.Deadline && ConstantLatencies(s) is { } latencies)
            {
                SimTime fastest = latencies.Min(), slowest = latencies.Max();
                if (p.Deadline >= slowest)
                    warnings.Add($"protocol.deadline {p.Deadline} is longer than any reply takes (at most {slowest}: constant compute and network delays): no reply is ever late, the same as wait \"all\"");
                else if (p.Deadline < fastest)
                    warnings.Add($"protocol.deadline {p.Deadline} is shorter than every reply takes (at least {fastest}: constant compute and network delays): every reply is late and no round aggregates anything");
            }
        }
        else
        {
            if (p.Wait != SyncWait.All || p.K > 0 || p.Deadline > SimTime.Zero)
                warnings.Add("protocol.wait, protocol.k and protocol.deadline have no effect in an asynchronous run; they apply with protocol.kind \"sync\"");
            if (p.AsyncBuffer > 0 && s.Defences.All(d => setup.Defences.Catalog.IsAsyncRule(d)))
                warnings.Add($"protocol.asyncBuffer {p.AsyncBuffer} has no effect: every defence is an asynchronous rule, which decides per message; it applies to synchronous rules run in buffered mode");
            if (q > 0 && setup.AsyncBehaviour?.Invoke() is { HistoryDepth: > 0 } stale && setup.GradientAttack?.Invoke() is { } attack
                && !attack.IsOmission && !attack.NeedsOwnGradients && attack.Spec != "honest")
            {
                bool stalenessMatters = p.MaxStaleness >= 0 || s.Defences.Any(d => setup.Defences.Catalog.IsAsyncRule(d));
                warnings.Add($"byzantine.behaviour '{stale.Spec}' does not change what the Byzantine workers send: attack '{attack.Spec}' crafts its messages from the honest gradients, " +
                             "not from its own gradient of the old model; only the staleness the messages declare changes" +
                             (stalenessMatters ? "" : ", and no setting here reads it (no protocol.maxStaleness, only buffered synchronous rules): the results do not depend on it"));
            }
        }

        var o = s.Optimizer;
        if (o.Schedule != LearningRateScheduleKind.Step && (o.StepMilestones?.Length ?? 0) > 0)
            warnings.Add("optimizer.milestones have no effect with schedule \"" + ScheduleName(o.Schedule) + "\"; they apply with schedule \"step\"");
        if (s.Budget.Steps > 0 && s.Evaluation.Every > s.Budget.Steps)
            warnings.Add($"evaluation.every {s.Evaluation.Every} exceeds budget.steps {s.Budget.Steps}: the figures get only the first and the last point");
        return warnings;
    }

    private static string WaitName(SyncWait w) => w switch { SyncWait.All => "all", SyncWait.FirstK => "first-k", _ => "deadline" };

    private static string ScheduleName(LearningRateScheduleKind k) => k switch
    {
        LearningRateScheduleKind.Constant => "constant",
        LearningRateScheduleKind.Step => "step",
        _ => "inverse-sqrt",
    };

    /// <summary>Each worker's exact reply latency (compute + network) when every delay model is constant, else null.</summary>
    internal static IReadOnlyList<SimTime>? ConstantLatencies(Scenario s)
    {
        var latencies = new List<SimTime>(s.Workers.Count);
        for (int i = 0; i < s.Workers.Count; i++)
        {
            string compute = s.Workers.Compute, network = s.Workers.Network;
            foreach (var o in s.Workers.Overrides)
            {
                if (!o.Workers.Contains(i)) continue;
                compute = o.Compute ?? compute;
                network = o.Network ?? network;
            }
            if (Constant(compute) is not { } c || Constant(network) is not { } d) return null;
            latencies.Add(c + d);
        }
        return latencies.Count == 0 ? null : latencies;
    }

    private static SimTime? Constant(string spec)
    {
        try
        {
            return DelayModelCatalog.Parse(spec) is ConstantDelayOptions c ? SimTime.FromSeconds(c.Seconds) : null;
        }
        catch (SimByzException)
        {
            return null; // a plug-in delay model: its latencies are not known here
        }
    }

}
