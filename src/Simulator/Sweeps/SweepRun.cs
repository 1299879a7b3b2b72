using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Sweeps;

/// <summary>One run of a sweep: its axis values, its fully resolved one-defence scenario and its run key.</summary>
/// <param name="Point">The axis values (<see cref="SweepPoint.Index"/> is the grid index).</param>
/// <param name="Scenario">The fully resolved scenario of this run (this defence only).</param>
/// <param name="Key">The run key (<see cref="SweepPlan"/>, remarks): the stored run's file name.</param>
public sealed record SweepRun(SweepPoint Point, Scenario Scenario, string Key)
{
    /// <summary>Position in grid order.</summary>
    public int Index => Point.Index;

    /// <summary>The defence spec.</summary>
    public string Defence => Point.Defence;
}
