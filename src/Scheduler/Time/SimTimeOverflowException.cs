using System.Globalization;

namespace SimByz.Scheduler;

/// <summary>
/// Simulated time left the range a <see cref="SimTime"/> holds (±2^63 ns, about ±292 years): a sum,
/// difference or multiple of times that would wrap around is refused instead.
/// </summary>
/// <remarks>
/// Delay samples are bounded (<see cref="DelayModelOptions.MaxSampleSeconds"/>), but a run keeps adding
/// them, so delay models with enormous tails (a Pareto with a tiny shape, say) can carry the clock past
/// the range after a few steps. That is a property of the scenario the user gave, so this is a
/// <see cref="SimByzException"/>: callers that know the scenario add which delay models drew the times.
/// </remarks>
public sealed class SimTimeOverflowException : SimByzException
{
    /// <summary>Creates the error for <paramref name="operation"/> (e.g. <c>1000000000s + 1s</c>).</summary>
    public SimTimeOverflowException(string operation)
        : base($"simulated time would pass its limit of about 292 years ({long.MaxValue.ToString(CultureInfo.InvariantCulture)} ns): {operation}")
    {
        Operation = operation;
    }

    /// <summary>The arithmetic that overflowed, as text.</summary>
    public string Operation { get; }
}
