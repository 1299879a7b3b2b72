using System.Diagnostics;
using System.Globalization;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using Spectre.Console;

namespace SimByz.Cli.Progress;

/// <summary>
/// Shows the progress of experiments on stderr — never on stdout, which may carry data: live bars with the time
/// remaining when stderr is a terminal, otherwise one plain line at a steady interval (a batch job's log), and
/// nothing with <c>--quiet</c>. A plain display says nothing about runs shorter than its interval.
/// </summary>
/// <remarks>
/// <para>A defence's fraction done is its steps over the step budget, or its simulated time over the time budget,
/// whichever is further along when both are set; with a time budget alone, steps say nothing about the end.</para>
/// <para>Reports arrive from the threads running defences; they only store numbers, which the display reads at its
/// own pace, so showing progress costs the runs next to nothing and cannot change what they compute.</para>
/// </remarks>
internal sealed class ProgressDisplay : IExperimentProgress
{
    /// <summary>How often the plain display prints a line (SIMBYZ_PROGRESS_INTERVAL, in seconds, overrides it).</summary>
    internal static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly ProgressMode _mode;
    private readonly TextWriter _error;
    private readonly TimeSpan _interval;
    private readonly object _gate = new();
    private readonly Stopwatch _clock = new();
    private ProgressContext? _live;
    private Experiment? _current;
    private Timer? _timer;
    private bool _printed;

    internal ProgressDisplay(ProgressMode mode, TextWriter error, TimeSpan interval)
    {
        _mode = mode;
        _error = error;
        _interval = interval;
    }

    /// <summary>The display a command gets: live bars when <paramref name="error"/> is the terminal's stderr, plain lines
    /// when it is redirected (or another writer), none when <paramref name="quiet"/>.</summary>
    public static ProgressDisplay For(TextWriter error, bool quiet)
    {
        if (quiet) return new ProgressDisplay(ProgressMode.None, error, DefaultInterval);
        bool terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        return new ProgressDisplay(terminal ? ProgressMode.Live : ProgressMode.Plain, error, Interval());
    }

    private static TimeSpan Interval() => ParseInterval(Environment.GetEnvironmentVariable("SIMBYZ_PROGRESS_INTERVAL"));

    /// <summary>Checks <c>SIMBYZ_PROGRESS_INTERVAL</c> (<see cref="ParseInterval"/>) at the start of a command that shows
    /// progress, so that a bad value is refused before anything is printed or written, <c>--quiet</c> or not.</summary>
    public static void CheckIntervalVariable() => _ = Interval();

    /// <summary>The longest interval between progress lines either setting accepts: a day.</summary>
    internal const double MaxIntervalSeconds = 86_400;

    /// <summary>
    /// <c>SIMBYZ_PROGRESS_INTERVAL</c>: unset or blank gives <see cref="DefaultInterval"/>; otherwise a number of seconds in
    /// (0, <see cref="MaxIntervalSeconds"/>], or a <see cref="SimByzException"/> naming the variable and its value (before,
    /// text that was no number was ignored, and one too large for a <see cref="TimeSpan"/> ended the process with a stack
    /// trace).
    /// </summary>
    internal static TimeSpan ParseInterval(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultInterval;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds <= MaxIntervalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new SimByzException($"SIMBYZ_PROGRESS_INTERVAL '{text}': expected a number of seconds in (0, {MaxIntervalSeconds.ToString(CultureInfo.InvariantCulture)}]");
    }

    /// <summary>
    /// <c>sweep --progress-interval</c>: a number of seconds in [0, <see cref="MaxIntervalSeconds"/>] (0: no line but the
    /// last), or a <see cref="SimByzException"/> naming the value (before, a negative value was taken as 0 without a word,
    /// and NaN, infinity or a value too large for a <see cref="TimeSpan"/> ended the process with a stack trace).
    /// </summary>
    internal static TimeSpan ParseSweepInterval(double seconds)
        => seconds >= 0 && seconds <= MaxIntervalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new SimByzException($"--progress-interval '{seconds.ToString(CultureInfo.InvariantCulture)}': expected a number of seconds in [0, {MaxIntervalSeconds.ToString(CultureInfo.InvariantCulture)}]");

    internal ProgressMode Mode => _mode;

    /// <summary>Runs <paramref name="work"/> with the display active (live bars need a frame around the work).</summary>
    public T Run<T>(Func<T> work)
    {
        if (_mode != ProgressMode.Live) return work();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = AnsiSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                _live = ctx;
                try { return work(); }
                finally { _live = null; }
            });
    }

    public Action<DefenceProgress> Start(string label, Scenario scenario)
    {
        lock (_gate)
        {
            FinishLocked();
            var experiment = new Experiment(label, scenario);
            _current = experiment;
            _clock.Restart();
            switch (_mode)
            {
                case ProgressMode.Live when _live is { } ctx:
                    experiment.Tasks = scenario.Defences.Select(d => ctx.AddTask(Markup.Escape(Short(label + " " + d)), maxValue: Experiment.Scale)).ToArray();
                    break;
                case ProgressMode.Plain:
                    _printed = false;
                    _timer = new Timer(_ => Print(), null, _interval, _interval);
                    break;
            }
            if (_mode == ProgressMode.None) return _ => { };
            return experiment.Report;
        }
    }

    public void Finish()
    {
        lock (_gate) FinishLocked();
    }

    private void FinishLocked()
    {
        if (_current is not { } experiment) return;
        _timer?.Dispose();
        _timer = null;
        _current = null;
        if (_mode == ProgressMode.Live && experiment.Tasks is { } tasks)
        {
            experiment.Refresh();
            foreach (var task in tasks) task.StopTask();
        }
        else if (_mode == ProgressMode.Plain && _printed)
        {
            // A run shorter than one interval prints nothing: stderr stays for warnings and errors.
            var s = experiment.Snapshot();
            _error.WriteLine($"{experiment.Label}: {(s.Done == s.Count ? "done" : "stopped")}: {s.Steps} steps, {SimSeconds(s.MeanNow)} simulated (mean per defence), in {Clock(_clock.Elapsed)}");
        }
    }

    private void Print()
    {
        lock (_gate)
        {
            if (_current is not { } experiment || _mode != ProgressMode.Plain) return;
            if (!_printed) _error.WriteLine($"{experiment.Label}: {experiment.Count} defence(s) × {experiment.Budget}");
            _printed = true;
            _error.WriteLine(Line(experiment.Label, experiment.Snapshot(), _clock.Elapsed));
        }
    }

    /// <summary>The plain progress line: percentage, steps, simulated time, elapsed and remaining wall time.</summary>
    internal static string Line(string label, ExperimentSnapshot s, TimeSpan elapsed)
    {
        string eta = s.Fraction > 0.001 ? Clock(TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - s.Fraction) / s.Fraction)) : "unknown";
        string sim = SimSeconds(s.MeanNow) + (s.TimeBudgetNs is { } t ? "/" + SimSeconds(t) : "");
        string steps = s.StepBudget > 0 ? $"{s.Steps}/{s.StepBudget * s.Count}" : s.Steps.ToString(CultureInfo.InvariantCulture);
        return $"{label}: {(100 * s.Fraction).ToString("0", CultureInfo.InvariantCulture)}% · defences done {s.Done}/{s.Count} · steps {steps} · sim {sim} (mean) · elapsed {Clock(elapsed)} · ETA {eta}";
    }

    private static string SimSeconds(double ns) => (ns / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static string Clock(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : t.TotalMinutes >= 1 ? t.ToString(@"m\:ss", CultureInfo.InvariantCulture) : t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static string Short(string text) => text.Length <= 48 ? text : text[..47] + "…";
}
