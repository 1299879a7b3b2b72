using System.Globalization;
using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>
/// A run that only its time budget can end stopped advancing its clock: events kept firing at one
/// simulated instant (zero compute and network delays, say), so the run would never end
/// (<see cref="TrainingRun.StallLimit"/> says how many events prove it).
/// </summary>
/// <remarks>A property of the scenario the user gave, so a <see cref="SimByzException"/>; callers that know
/// the scenario add which delay models drew the times. Deterministic: found at the same event on every machine.</remarks>
public sealed class ClockStalledException : SimByzException
{
    /// <summary>Creates the error for a clock stuck at <paramref name="at"/> after <paramref name="events"/> events there.</summary>
    public ClockStalledException(SimTime at, long events, BudgetOptions budget)
        : base(Describe(at, events, budget))
    {
        StalledAt = at;
    }

    /// <summary>The simulated instant the clock stopped at.</summary>
    public SimTime StalledAt { get; }

    private static string Describe(SimTime at, long events, BudgetOptions budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        string steps = budget.Steps > 0 ? $" or its step budget of {budget.Steps.ToString(CultureInfo.InvariantCulture)} (no step was taken meanwhile)" : "";
        return $"simulated time stopped advancing at {at}: {events.ToString(CultureInfo.InvariantCulture)} events in a row fired at that instant, " +
            $"and the run ends only when the clock reaches its time budget of {budget.Time}{steps}; zero compute and network delays with a time-only budget never end " +
            "(give delays that take time, or a step budget)";
    }
}
