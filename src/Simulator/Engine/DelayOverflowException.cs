using System.Globalization;
using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>
/// A worker's delay draw would carry simulated time past its range (about 292 years): names the
/// worker, which delay (compute or network) and the delay model's spec.
/// </summary>
/// <remarks>A property of the scenario (a delay model with an enormous tail, a very long run), so a
/// <see cref="SimByzException"/>: one line, exit 2. The <see cref="SimTimeOverflowException"/> is the inner exception.</remarks>
public sealed class DelayOverflowException : SimByzException
{
    /// <summary>Creates the error for worker <paramref name="worker"/>'s <paramref name="delay"/> delay (<c>compute</c> or
    /// <c>network</c>), from the model <paramref name="spec"/>, that drew <paramref name="drawn"/> at simulated time <paramref name="at"/>.</summary>
    public DelayOverflowException(int worker, string delay, string spec, SimTime at, SimTime drawn, SimTimeOverflowException inner)
        : base($"worker {worker.ToString(CultureInfo.InvariantCulture)}'s {delay} delay '{spec}' drew {drawn} at simulated time {at}: " +
            $"{inner.Message}", inner)
    {
        Worker = worker;
        Delay = delay;
        Spec = spec;
    }

    /// <summary>The worker whose delay overflowed.</summary>
    public int Worker { get; }

    /// <summary><c>compute</c> or <c>network</c>.</summary>
    public string Delay { get; }

    /// <summary>The delay model's spec.</summary>
    public string Spec { get; }
}
