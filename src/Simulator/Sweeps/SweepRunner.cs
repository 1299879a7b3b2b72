using System.Collections.Concurrent;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// Runs the runs of a <see cref="SweepPlan"/> (all, or a shard's) that the <see cref="RunStore"/> does
/// not already hold, in parallel, storing each as soon as it finishes.
/// </summary>
/// <remarks>
/// <para>Each run is the deterministic <see cref="TrainingRun"/> of its resolved scenario, built from a
/// setup shared with the runs that differ from it only in the defence (as <c>simbyz run</c> shares one
/// setup between its defences); results are placed by grid index, never by completion order, so nothing
/// depends on the thread count or the order runs are taken in. Runs are taken seed by seed, each seed's
/// runs setup by setup, so a setup and a data source are built once and released when their runs are
/// built. Of each finished run only its summary is kept (<see cref="Summary"/>: the final evaluation point and the counts, what
/// results.csv, summary.md and the figures use); every evaluation point is in the run's stored file. So memory grows by a few
/// hundred bytes per run, whatever the runs' lengths, and holding the results of a sweep costs far less than its store on disk.</para>
/// <para>Resumable: a finished run is stored atomically at once; cancelling (Ctrl-C) or a crash loses
/// only the runs in flight, and a rerun recomputes exactly the runs without a trusted stored file.</para>
/// </remarks>
public static class SweepRunner
{
    /// <summary>What the store holds for <paramref name="indices"/> (default: every run) of <paramref name="plan"/>, read on up to <paramref name="threads"/> threads;
    /// the results are summaries (<see cref="Summary"/>).</summary>
    public static SweepStatus Inspect(SweepPlan plan, RunStore store, IReadOnlyList<int>? indices = null, int threads = 0)
    {
        indices ??= Enumerable.Range(0, plan.RunCount).ToArray();
        var results = new RunResult?[plan.RunCount];
        var problems = new string?[indices.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, indices.Count, options, k =>
        {
            int i = indices[k];
            var stored = store.TryLoad(plan.KeyOf(i), plan.Point(i).Defence);
            results[i] = stored.Result is { } r ? Summary(r) : null;
            problems[k] = stored.Problem;
        });
        var pending = new List<int>();
        var invalid = new List<(int, string)>();
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            if (results[i] is not null) continue;
            if (problems[k] is { } problem) invalid.Add((i, problem));
            pending.Add(i);
        }
        pending.Sort();
        invalid.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return new SweepStatus(results, pending, invalid, indices.Count);
    }

    /// <summary>What a sweep keeps of a finished run: <paramref name="result"/> with its final evaluation point only.</summary>
    public static RunResult Summary(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Rows.Count == 1 ? result : result with { Rows = [result.Final] };
    }

    /// <summary>
    /// Computes and stores every pending run of <paramref name="status"/> on up to
    /// <paramref name="threads"/> threads; returns the results by grid index, as summaries (<see cref="Summary"/>; those of
    /// <paramref name="status"/> and the computed ones).
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="store">Where finished runs go.</param>
    /// <param name="status">From <see cref="Inspect"/>.</param>
    /// <param name="threads">Runs in parallel (≥ 1).</param>
    /// <param name="finished">Called after each computed run is stored (serialized: never concurrently).</param>
    /// <param name="cancellation">Stops the sweep; runs in flight are abandoned (not stored).</param>
    /// <exception cref="OperationCanceledException">Cancelled; the runs finished so far are stored.</exception>
    /// <exception cref="SimByzException">A run failed (the first in grid order among those that failed);
    /// no new run starts after a failure, and the runs that finished are stored.</exception>
    public static IReadOnlyList<RunResult?> Execute(SweepPlan plan, RunStore store, SweepStatus status, int threads,
        Action<SweepRun, RunResult>? finished = null, CancellationToken cancellation = default)
    {
        var results = status.Results.ToArray();
        var errors = new ConcurrentDictionary<int, Exception>();
        var callbackLock = new object();
        // Seed by seed, setup by setup: a setup and a data source are needed by neighbouring runs only.
        var order = status.Pending.OrderBy(plan.SeedIndexOf).ThenBy(plan.CellOf).ThenBy(i => i).ToArray();
        var remaining = new Dictionary<int, int>();
        foreach (int i in order) remaining[plan.CellOf(i)] = remaining.GetValueOrDefault(plan.CellOf(i)) + 1;
        var setups = new Dictionary<int, Lazy<RunSetup>>();
        var setupsLock = new object();
        var data = new SweepDataCache(plan.Grid.Composition.Catalogs.DataSources, 2 * Math.Max(1, threads) + 2);
        // Models sharing process-wide state (torch's global generator) run one at a time.
        var options = new ParallelOptions { MaxDegreeOfParallelism = plan.SupportsParallelRuns ? Math.Max(1, threads) : 1 };
        // NoBuffering: workers take the runs one at a time in the order above.
        var source = Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(source, options, (index, loop) =>
        {
            if (cancellation.IsCancellationRequested) { loop.Stop(); return; }
            SweepRun? run = null;
            try
            {
                run = plan.Run(index);
                int cell = plan.CellOf(index);
                Lazy<RunSetup> setup;
                lock (setupsLock)
                {
                    if (!setups.TryGetValue(cell, out setup!))
                    {
                        var scenario = run.Scenario;
                        setup = new Lazy<RunSetup>(() => ScenarioBuilder.Build(scenario, plan.Grid.Composition, data.Load));
                        setups[cell] = setup;
                    }
                }
                TrainingRun training;
                // The setup is shared: build runs from it one at a time (the data attack and the model
                // prototype are used while a run is being built).
                lock (setup) training = new TrainingRun(setup.Value, run.Defence);
                lock (setupsLock)
                {
                    if (--remaining[cell] == 0) setups.Remove(cell);
                }
                var result = training.Run(cancellation: cancellation);
                store.Save(run, plan, result);
                results[index] = Summary(result);
                if (finished is not null)
                {
                    lock (callbackLock) finished(run, result);
                }
            }
            catch (OperationCanceledException)
            {
                loop.Stop();
            }
            catch (SimByzException ex)
            {
                string what = run is null ? $"run {index}" : $"run {index} ({run.Point}, defence = {run.Defence})";
                errors[index] = new SimByzException($"{what}: {ex.Message}", ex);
                loop.Stop();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors[index] = new SimByzException($"run {index}: cannot store it under {store.Directory}: {ex.Message}", ex);
                loop.Stop();
            }
        });
        cancellation.ThrowIfCancellationRequested();
        if (!errors.IsEmpty) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(errors[errors.Keys.Min()]).Throw();
        foreach (int i in status.Pending)
        {
            if (results[i] is null) throw new InvalidOperationException($"run {i} has no result");
        }
        return results;
    }
}
