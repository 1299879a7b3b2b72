using System.Collections.Concurrent;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// Runs the runs of a <see cref="SweepPlan"/> that the <see cref="RunStore"/> does not already hold,
/// in parallel, storing each as soon as it finishes.
/// </summary>
/// <remarks>
/// <para>Each run is the deterministic <see cref="TrainingRun"/> of its resolved scenario, from the
/// setup its cell shares with the cell's other defences; results are placed by grid index, never by
/// completion order, so nothing depends on the thread count.</para>
/// <para>Resumable: a finished run is stored atomically at once; cancelling (Ctrl-C) or a crash loses
/// only the runs in flight, and a rerun recomputes exactly the runs without a trusted stored file.</para>
/// </remarks>
public static class SweepRunner
{
    /// <summary>What the store holds for each run of <paramref name="plan"/>.</summary>
    public static SweepStatus Inspect(SweepPlan plan, RunStore store)
    {
        var results = new RunResult?[plan.Runs.Count];
        var pending = new List<SweepRun>();
        var invalid = new List<(SweepRun, string)>();
        foreach (var run in plan.Runs)
        {
            var stored = store.TryLoad(run);
            if (stored.Result is { } r)
            {
                results[run.Index] = r;
                continue;
            }
            if (stored.Problem is { } problem) invalid.Add((run, problem));
            pending.Add(run);
        }
        return new SweepStatus(results, pending, invalid);
    }

    /// <summary>
    /// Computes and stores every pending run of <paramref name="status"/> on up to
    /// <paramref name="threads"/> threads; returns every run's result in grid order.
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
    public static IReadOnlyList<RunResult> Execute(SweepPlan plan, RunStore store, SweepStatus status, int threads,
        Action<SweepRun, RunResult>? finished = null, CancellationToken cancellation = default)
    {
        var results = status.Results.ToArray();
        var errors = new Exception?[plan.Runs.Count];
        var cellLocks = plan.Cells.Select(_ => new object()).ToArray();
        var callbackLock = new object();
        // Models sharing process-wide state (torch's global generator) run one at a time.
        bool parallel = plan.Cells.All(c => plan.SetupOf(c).Model.SupportsParallelRuns);
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallel ? Math.Max(1, threads) : 1 };
        // NoBuffering: workers take the pending runs one at a time in grid order.
        var source = Partitioner.Create(status.Pending, EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(source, options, (run, loop) =>
        {
            if (cancellation.IsCancellationRequested) { loop.Stop(); return; }
            try
            {
                TrainingRun training;
                // The cell's setup is shared: build runs from it one at a time (the data attack and the
                // model prototype are used while a run is being built).
                lock (cellLocks[run.Cell.Index]) training = new TrainingRun(plan.SetupOf(run.Cell), run.Defence);
                var result = training.Run(cancellation: cancellation);
                store.Save(run, plan, result);
                results[run.Index] = result;
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
                errors[run.Index] = new SimByzException($"run {run.Index} ({run.Cell}, defence = {run.Defence}): {ex.Message}", ex);
                loop.Stop();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors[run.Index] = new SimByzException($"run {run.Index}: cannot store it under {store.Directory}: {ex.Message}", ex);
                loop.Stop();
            }
        });
        cancellation.ThrowIfCancellationRequested();
        if (errors.FirstOrDefault(e => e is not null) is { } first) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        var missing = Array.FindIndex(results, r => r is null);
        if (missing >= 0) throw new InvalidOperationException($"run {missing} has no result");
        return results!;
    }
}

/// <summary>What the store holds before a sweep runs.</summary>
/// <param name="Results">Trusted stored results by grid index (null: to run).</param>
/// <param name="Pending">Runs to compute, in grid order.</param>
/// <param name="Invalid">Stored files not trusted (to be recomputed), with the reason.</param>
public sealed record SweepStatus(IReadOnlyList<RunResult?> Results, IReadOnlyList<SweepRun> Pending, IReadOnlyList<(SweepRun Run, string Reason)> Invalid)
{
    public int Cached => Results.Count(r => r is not null);
}
