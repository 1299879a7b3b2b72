using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using Spectre.Console;

namespace SimByz.Cli.Progress;

/// <summary>The running state of one experiment: each defence's last reported steps and simulated time.</summary>
/// <remarks>Written by the defences' threads (one slot each, with volatile writes), read by the display.</remarks>
internal sealed class Experiment
{
    /// <summary>Live bars count in thousandths.</summary>
    public const int Scale = 1000;

    private readonly long[] _steps, _now;
    private readonly int[] _done, _shown;
    private readonly long _stepBudget;
    private readonly long? _timeBudget;

    public Experiment(string label, Scenario scenario)
    {
        Label = label;
        Budget = ScenarioText.Budget(scenario);
        int n = scenario.Defences.Count;
        _steps = new long[n];
        _now = new long[n];
        _done = new int[n];
        _shown = new int[n];
        _stepBudget = scenario.Budget.Steps;
        _timeBudget = scenario.Budget.Time?.Nanoseconds;
    }

    public string Label { get; }

    /// <summary>The budget per defence in words, e.g. "100 steps".</summary>
    public string Budget { get; }

    public int Count => _steps.Length;

    public ProgressTask[]? Tasks { get; set; }

    /// <summary>Fraction done of a defence: steps over the step budget or time over the time budget, whichever is further.</summary>
    internal static double Fraction(long steps, long nowNs, long stepBudget, long? timeBudgetNs)
    {
        double f = 0;
        if (stepBudget > 0) f = Math.Max(f, (double)steps / stepBudget);
        if (timeBudgetNs is > 0 and { } t) f = Math.Max(f, (double)nowNs / t);
        return Math.Clamp(f, 0, 1);
    }

    public void Report(DefenceProgress p)
    {
        int i = p.Defence;
        Volatile.Write(ref _steps[i], p.Steps);
        Volatile.Write(ref _now[i], p.Now.Nanoseconds);
        if (p.Done) Volatile.Write(ref _done[i], 1);
        if (Tasks is { } tasks)
        {
            // Only when the bar moves by a thousandth: a report comes after every step.
            int value = p.Done ? Scale : (int)(Scale * Fraction(p.Steps, p.Now.Nanoseconds, _stepBudget, _timeBudget));
            if (value != Volatile.Read(ref _shown[i]))
            {
                Volatile.Write(ref _shown[i], value);
                tasks[i].Value = value;
            }
        }
    }

    public void Refresh()
    {
        if (Tasks is not { } tasks) return;
        for (int i = 0; i < tasks.Length; i++)
        {
            if (Volatile.Read(ref _done[i]) == 1) tasks[i].Value = Scale;
        }
    }

    public ExperimentSnapshot Snapshot()
    {
        int n = _steps.Length, done = 0;
        long steps = 0;
        double now = 0, fraction = 0;
        for (int i = 0; i < n; i++)
        {
            long s = Volatile.Read(ref _steps[i]), t = Volatile.Read(ref _now[i]);
            bool finished = Volatile.Read(ref _done[i]) == 1;
            steps += s;
            now += t;
            if (finished) done++;
            fraction += finished ? 1 : Fraction(s, t, _stepBudget, _timeBudget);
        }
        return new ExperimentSnapshot(n, done, steps, _stepBudget, n == 0 ? 0 : now / n, _timeBudget, n == 0 ? 1 : fraction / n);
    }
}
