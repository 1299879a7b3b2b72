using System.Diagnostics;
using System.Globalization;

namespace SimByz.Cli.Sweeps;

/// <summary>
/// Progress of a sweep: a plain line <c>progress: D/T runs (P %), elapsed H:MM:SS, ETA H:MM:SS</c> at a
/// steady interval and once at the end, whether or not the output is a terminal (a log file of a Slurm
/// job shows it as well as a console). The ETA weighs the runs by their estimated cost (steps × workers
/// × parameters), so a grid mixing small and large runs gets a fair estimate.
/// </summary>
/// <remarks>Wall-clock time is read here, outside the simulation; it reaches no result. Thread-safe.</remarks>
internal sealed class SweepProgress : IDisposable
{
    private readonly TextWriter _output;
    private readonly int _total;
    private readonly long _totalCost;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer? _timer;
    private readonly object _lock = new();
    private int _done;
    private long _doneCost;
    private bool _stopped;

    /// <param name="output">Where the lines go.</param>
    /// <param name="total">Runs to compute.</param>
    /// <param name="totalCost">Their summed estimated cost.</param>
    /// <param name="interval">Between two lines; zero or less: only the final line.</param>
    public SweepProgress(TextWriter output, int total, long totalCost, TimeSpan interval)
    {
        _output = output;
        _total = total;
        _totalCost = Math.Max(1, totalCost);
        if (interval > TimeSpan.Zero && total > 0) _timer = new Timer(_ => Report(), null, interval, interval);
    }

    /// <summary>Counts one finished run of estimated cost <paramref name="cost"/>.</summary>
    public void RunDone(long cost)
    {
        lock (_lock)
        {
            _done++;
            _doneCost += cost;
        }
    }

    /// <summary>Prints the current line now.</summary>
    public void Report()
    {
        lock (_lock)
        {
            if (_stopped) return;
            _output.WriteLine(Line(_done, _doneCost, _clock.Elapsed));
            _output.Flush();
        }
    }

    /// <summary>The progress line for <paramref name="done"/> runs of cost <paramref name="doneCost"/> after <paramref name="elapsed"/>.</summary>
    public string Line(int done, long doneCost, TimeSpan elapsed)
    {
        double percent = _total == 0 ? 100 : 100.0 * done / _total;
        string eta = done == _total ? "done"
            : doneCost <= 0 ? "ETA unknown"
            : "ETA " + Format(TimeSpan.FromSeconds(elapsed.TotalSeconds * (_totalCost - doneCost) / doneCost));
        return string.Create(CultureInfo.InvariantCulture, $"progress: {done}/{_total} runs ({percent:0} %), elapsed {Format(elapsed)}, {eta}");
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}");

    /// <summary>Stops the periodic lines; the final line is printed by the caller with <see cref="Report"/> before.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        lock (_lock) _stopped = true;
    }
}
