using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>What one defence's run produced.</summary>
/// <param name="Defence">The defence spec.</param>
/// <param name="Rows">Every evaluation point.</param>
/// <param name="Steps">Server steps taken.</param>
/// <param name="EndTime">Simulated time of the last event handled.</param>
/// <param name="Events">Events handled.</param>
/// <param name="Messages">Messages sent.</param>
/// <param name="StopReason">Why the run ended: <c>steps</c>, <c>time</c>, <c>message cap</c>, <c>no pending event</c>, or <c>no worker can send</c>.</param>
public sealed record RunResult(string Defence, IReadOnlyList<MetricsRow> Rows, long Steps, SimTime EndTime, long Events, long Messages, string StopReason)
{
    public MetricsRow Final => Rows[^1];
}
