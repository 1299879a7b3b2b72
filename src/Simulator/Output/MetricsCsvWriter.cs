using SimByz.Scheduler;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Output;

/// <summary>
/// Writes one defence's evaluation points as metrics.csv lines while the run goes (an
/// <see cref="ISimulationObserver"/>), so no run keeps its whole series in memory.
/// </summary>
/// <remarks>The last point is held back until the next one arrives: at the end of a run the engine may report
/// the last point again, same step, with its counters brought up to date (<see cref="ISimulationObserver.Evaluated"/>),
/// and the file holds that version only. <see cref="Complete"/> writes the held point. The lines are exactly
/// those <see cref="ExperimentRunner.MetricsCsv"/> writes from a run's rows. Not thread-safe (one run's thread).</remarks>
internal sealed class MetricsCsvWriter(TextWriter writer) : ISimulationObserver
{
    private MetricsRow? _held;

    /// <inheritdoc />
    public void Evaluated(SimTime time, MetricsRow row)
    {
        if (_held is not null && _held.Step != row.Step) WriteLine(_held);
        _held = row;
    }

    /// <summary>Writes the point held back (call once the run has ended) and flushes.</summary>
    public void Complete()
    {
        if (_held is not null) WriteLine(_held);
        _held = null;
        writer.Flush();
    }

    private void WriteLine(MetricsRow row)
    {
        writer.Write(row.ToCsv());
        writer.Write('\n');
    }
}
