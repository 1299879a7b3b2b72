using Newtonsoft.Json.Linq;
using SimByz.Simulator.Scenarios;

namespace SimByz.Testing.Simulator;

/// <summary>Test helpers for building scenario variants.</summary>
public static class ScenarioExtensions
{
    /// <summary>The scenario with <c>key.path=value</c> overrides applied, as <c>--set</c> would.</summary>
    public static Scenario With(this Scenario scenario, params string[] sets)
    {
        var json = scenario.ToJson();
        foreach (string set in sets) ScenarioLoader.ApplySet(json, set);
        return ScenarioLoader.Parse(json, "test");
    }
}
