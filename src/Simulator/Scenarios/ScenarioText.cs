using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Scenarios;

/// <summary>
/// One-line descriptions generated from a resolved <see cref="Scenario"/> — the attack, how many of how many
/// workers are Byzantine, the protocol and the budget — for console headers, figure titles and summary.json.
/// </summary>
/// <remarks>A scenario's own <c>description</c> is free text written for its file; after <c>--set</c> overrides it can
/// describe another experiment than the one that runs, while these lines always follow the fields. Pure functions.</remarks>
public static class ScenarioText
{
    /// <summary>The attack: gradient and data attack specs (with the async behaviour), or "no attack".</summary>
    public static string Attack(Scenario s)
    {
        var parts = new List<string>();
        if (s.Byzantine.DataAttack is { } data) parts.Add(data);
        if (s.Byzantine.Attack is { } gradient) parts.Add(gradient);
        string attack = parts.Count == 0 ? ((s.Federation?.ByzantineClients ?? s.Byzantine.Count) > 0 ? "honest-behaving Byzantine workers" : "no attack") : string.Join(" + ", parts);
        if (s.Byzantine.Behaviour is { } behaviour && s.Protocol.Kind == ProtocolKind.Async) attack += ", behaviour " + behaviour;
        return attack;
    }

    /// <summary>"q/n Byzantine"; federated: "q/N Byzantine clients, m per round".</summary>
    public static string Byzantine(Scenario s) => s.Federation is { } f
        ? $"{f.ByzantineClients}/{f.Clients} Byzantine clients, {f.PerRound} per round{(f.TraceFile is null ? "" : " (availability trace)")}"
        : $"{s.Byzantine.Count}/{s.Workers.Count} Byzantine";

    /// <summary>The protocol with the knobs that matter for it, e.g. "synchronous, first 15 of 20" or "asynchronous, buffer 10".</summary>
    public static string Protocol(Scenario s)
    {
        var p = s.Protocol;
        if (p.Kind == ProtocolKind.Sync)
        {
            return p.Wait switch
            {
                SyncWait.All => "synchronous, wait for all",
                SyncWait.FirstK => $"synchronous, first {p.K} of {s.Federation?.PerRound ?? s.Workers.Count}",
                _ => $"synchronous, {p.Deadline} deadline",
            };
        }
        string text = "asynchronous";
        if (p.AsyncBuffer > 0) text += $", buffer {p.AsyncBuffer}";
        if (p.MaxStaleness >= 0) text += $", max staleness {p.MaxStaleness}";
        return text;
    }

    /// <summary>"100 steps", "4s simulated" or both.</summary>
    public static string Budget(Scenario s)
    {
        var b = s.Budget;
        if (b.Time is { } t) return b.Steps > 0 ? $"{b.Steps} steps or {t} simulated" : $"{t} simulated";
        return $"{b.Steps} steps";
    }

    /// <summary>Attack, Byzantine count, protocol: the subtitle of a figure, e.g. "sign-flip:s=1 · 8/20 Byzantine · synchronous, wait for all".</summary>
    public static string Setting(Scenario s) => $"{Attack(s)} · {Byzantine(s)} · {Protocol(s)}";

    /// <summary><see cref="Setting"/> with the budget and the model: the resolved scenario in one line.</summary>
    public static string Describe(Scenario s) => $"{Setting(s)} · model {s.Task.Model} · {Budget(s)}";
}
