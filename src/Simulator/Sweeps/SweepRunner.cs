using System.Collections.Concurrent;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// Runs the runs of a <see cref="SweepPlan"/> (all, or a shard's) that the <see cref="RunStore"/> does
/// not already hold, in parallel, storing each as soon as it finishes; and reads the store in grid order.
/// </summary>
/// <remarks>
/// <para>Each run is the deterministic <see cref="TrainingRun"/> of its resolved scenario, built from a
/// setup shared with the runs that differ from it only in the defence (as <c>simbyz run</c> shares one
/// setup between its defences); nothing depends on the thread count or the order runs are taken in. Runs are
/// taken seed by seed, each seed's runs setup by setup (<see cref="SweepPlan.SetupOrder"/>, enumerated lazily),
/// so a setup and a data source are built once and released when their runs are built.</para>
/// <para>Memory does not grow with the number of runs: nothing is kept of a finished run (it is in its stored
/// file, which results.csv and summary.md are written from: <see cref="ReadInOrder"/>), the runs to compute are
/// enumerated from their indices (those with a trusted stored file are skipped), and the store is read in windows
/// of <see cref="Window"/> runs.</para>
/// <para>Resumable: a finished run is stored atomically at once; cancelling (Ctrl-C) or a crash loses
/// only the runs in flight, and a rerun recomputes exactly the runs without a trusted stored file.</para>
/// </remarks>
public static class SweepRunner
{
    /// <summary>Runs read from the store at once (in parallel), then handed on in grid order.</summary>
    public const int Window = 4096;

    /// <summary>Pending runs a <see cref="SweepStatus"/> lists.</summary>
    public const int ListedPending = 20;

    /// <summary>Untrusted stored files a <see cref="SweepStatus"/> lists.</summary>
    public const int ListedInvalid = 1000;

    /// <summary>
    /// Reads the stored results of the runs <paramref name="selected"/> chooses (default: every run) and hands each on, in grid order,
    /// to <paramref name="each"/> with its result (null when the store has no trusted file: then with the reason a stored file is not
    /// trusted, or null when there is none). <see cref="Window"/> runs are read at once on up to <paramref name="threads"/> threads.
    /// </summary>
    public static void ReadInOrder(SweepPlan plan, RunStore store, Action<int, RunResult?, string?> each, Func<int, bool>? selected = null, int threads = 0,
        bool summaries = true)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        var results = new RunResult?[Math.Min(Window, Math.Max(1, plan.RunCount))];
        var problems = new string?[results.Length];
        var asked = new bool[results.Length];
        for (int start = 0; start < plan.RunCount; start += results.Length)
        {
            int n = Math.Min(results.Length, plan.RunCount - start);
            Parallel.For(0, n, options, k =>
            {
                int i = start + k;
                asked[k] = selected is null || selected(i);
                if (!asked[k]) return;
                var stored = store.TryLoad(plan.KeyOf(i), plan.Point(i).Defence);
                results[k] = stored.Result is { } r && summaries ? Summary(r) : stored.Result;
                problems[k] = stored.Problem;
            });
            for (int k = 0; k < n; k++)
            {
                if (asked[k]) each(start + k, results[k], problems[k]);
                results[k] = null;
                problems[k] = null;
            }
        }
    }

    /// <summary>What the store holds for the runs <paramref name="selected"/> chooses (default: every run) of <paramref name="plan"/>, read on up
    /// to <paramref name="threads"/> threads: counts, the first pending runs and the untrusted files, in grid order.</summary>
    public static SweepStatus Inspect(SweepPlan plan, RunStore store, Func<int, bool>? selected = null, int threads = 0)
    {
        int asked = 0, pending = 0, invalidCount = 0;
        long cost = 0;
        var first = new List<int>();
        var invalid = new List<(int, string)>();
        ReadInOrder(plan, store, (i, result, problem) =>
        {
            asked++;
            if (result is not null) return;
            pending++;
            cost += plan.CostOf(i);
            if (first.Count < ListedPending) first.Add(i);
            if (problem is null) return;
            if (invalid.Count < ListedInvalid) invalid.Add((i, problem));
            invalidCount++;
        }, selected, threads);
        return new SweepStatus(asked, pending, cost, first, invalid, invalidCount);
    }

    /// <summary>What a sweep keeps of a finished run: <paramref name="result"/> with its final evaluation point only.</summary>
    public static RunResult Summary(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Rows.Count == 1 ? result : result with { Rows = [result.Final] };
    }

    /// <summary>The runs a setup serves: built when its first run is taken, released when the enumeration has moved past its
    /// runs and the last of them is built.</summary>
    private sealed class SharedSetup(Lazy<RunSetup> setup)
    {
        public Lazy<RunSetup> Setup { get; } = setup;

        public int Users { get; set; }

        public bool Closed { get; set; }
    }

    /// <summary>
    /// Computes and stores every run <paramref name="selected"/> chooses (default: every run) that has no trusted stored file, on up to
    /// <paramref name="threads"/> threads, in <see cref="SweepPlan.SetupOrder"/>; returns how many it computed.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="store">Where finished runs go.</param>
    /// <param name="threads">Runs in parallel (≥ 1).</param>
    /// <param name="selected">The runs asked for (a shard's), or null for all.</param>
    /// <param name="finished">Called after each computed run is stored (serialized: never concurrently).</param>
    /// <param name="cancellation">Stops the sweep; runs in flight are abandoned (not stored).</param>
    /// <exception cref="OperationCanceledException">Cancelled; the runs finished so far are stored.</exception>
    /// <exception cref="SimByzException">A run failed (the first in grid order among those that failed);
    /// no new run starts after a failure, and the runs that finished are stored.</exception>
    public static int Execute(SweepPlan plan, RunStore store, int threads, Func<int, bool>? selected = null,
        Action<SweepRun, RunResult>? finished = null, CancellationToken cancellation = default)
    {
        var errors = new ConcurrentDictionary<int, Exception>();
        var callbackLock = new object();
        var setups = new Dictionary<int, SharedSetup>();
        var setupsLock = new object();
        var data = new SweepDataCache(plan.Grid.Composition.Catalogs.DataSources, 2 * Math.Max(1, threads) + 2, plan.Files);
        int computed = 0;

        // Seed by seed, setup by setup: a setup and a data source are needed by neighbouring runs only. The enumeration
        // registers each run with its setup before handing it out, and closes a setup when it moves past its runs.
        IEnumerable<(int Index, SharedSetup Setup)> Order()
        {
            int current = -1;
            SharedSetup? shared = null;
            foreach (int index in plan.SetupOrder())
            {
                if (selected is not null && !selected(index)) continue;
                int cell = plan.CellOf(index);
                lock (setupsLock)
                {
                    if (cell != current)
                    {
                        if (shared is not null) Close(current, shared);
                        current = cell;
                        shared = new SharedSetup(new Lazy<RunSetup>(() => ScenarioBuilder.Build(plan.Run(cell).Scenario, plan.Grid.Composition, data.Load, plan.Buffers)));
                        setups[cell] = shared;
                    }
                    shared!.Users++;
                }
                yield return (index, shared!);
            }
            if (shared is not null)
            {
                lock (setupsLock) Close(current, shared);
            }
        }

        void Close(int cell, SharedSetup shared)
        {
            shared.Closed = true;
            if (shared.Users == 0) setups.Remove(cell);
        }

        void Release(int cell, SharedSetup shared)
        {
            lock (setupsLock)
            {
                if (--shared.Users == 0 && shared.Closed) setups.Remove(cell);
            }
        }

        // Models sharing process-wide state (torch's global generator) run one at a time.
        var options = new ParallelOptions { MaxDegreeOfParallelism = plan.SupportsParallelRuns ? Math.Max(1, threads) : 1 };
        // NoBuffering: workers take the runs one at a time in the order above.
        var source = Partitioner.Create(Order(), EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(source, options, (item, loop) =>
        {
            var (index, shared) = item;
            int cell = plan.CellOf(index);
            bool released = false;
            SweepRun? run = null;
            try
            {
                if (cancellation.IsCancellationRequested) { loop.Stop(); return; }
                run = plan.Run(index);
                if (store.TryLoad(run).IsValid) return;
                TrainingRun training;
                // The setup is shared: build runs from it one at a time (the data attack and the model
                // prototype are used while a run is being built).
                lock (shared) training = new TrainingRun(shared.Setup.Value, run.Defence);
                Release(cell, shared);
                released = true;
                var result = training.Run(cancellation: cancellation);
                store.Save(run, plan, result);
                Interlocked.Increment(ref computed);
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
            finally
            {
                if (!released) Release(cell, shared);
            }
        });
        cancellation.ThrowIfCancellationRequested();
        if (!errors.IsEmpty) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(errors[errors.Keys.Min()]).Throw();
        return computed;
    }

    /// <summary>
    /// The summaries (<see cref="Summary"/>) of every run of <paramref name="plan"/> from the store, by grid index: a convenience for
    /// small sweeps and tests (it holds every run; the CLI streams with <see cref="ReadInOrder"/> instead).
    /// </summary>
    /// <exception cref="InvalidOperationException">A run has no trusted stored file.</exception>
    public static IReadOnlyList<RunResult?> Load(SweepPlan plan, RunStore store, int threads = 0)
    {
        var results = new RunResult?[plan.RunCount];
        ReadInOrder(plan, store, (i, r, problem) => results[i] = r ?? throw new InvalidOperationException($"run {i} has no trusted stored file{(problem is null ? "" : ": " + problem)}"),
            threads: threads);
        return results;
    }
}
