using SimByz.Simulator.Engine;
using SimByz.Simulator.Sweeps;
using Xunit;
using static SimByz.Tests.Unit.Sweeps.SweepFixtures;

namespace SimByz.Tests.Unit.Sweeps;

public class SweepRunnerTests
{
    private static (string Csv, List<int> Computed, SweepStatus Status) Sweep(SweepPlan plan, string dir, int threads)
    {
        var store = new RunStore(Path.Combine(dir, "runs"));
        var status = SweepRunner.Inspect(plan, store);
        var computed = new List<int>();
        int count = SweepRunner.Execute(plan, store, threads, finished: (run, _) => computed.Add(run.Index));
        Assert.Equal(computed.Count, count);
        Assert.Equal(status.Pending, count);
        return (SweepResults.Csv(plan, SweepRunner.Load(plan, store)), computed, status);
    }

    [Fact]
    public void Execute_Rerun_ComputesExactlyTheMissingOrCorruptRuns_SameResults()
    {
        using var dir = new TempDir();
        var plan = Plan(SmallAxes);
        var (first, computed, _) = Sweep(plan, dir.Path, threads: 2);
        Assert.Equal(Enumerable.Range(0, 8), computed.Order());
        Assert.Equal(9, first.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var (again, none, status) = Sweep(plan, dir.Path, threads: 2);
        Assert.Empty(none);
        Assert.Equal(8, status.Cached);
        Assert.Equal(first, again);

        var store = new RunStore(Path.Combine(dir.Path, "runs"));
        File.Delete(store.PathOf(plan.Run(5).Key));
        var (resumed, recomputed, _) = Sweep(plan, dir.Path, threads: 2);
        Assert.Equal([5], recomputed);
        Assert.Equal(first, resumed);

        // A damaged file (truncated) and an edited one (a changed value, valid JSON) are not trusted.
        string truncated = store.PathOf(plan.Run(2).Key), edited = store.PathOf(plan.Run(6).Key);
        File.WriteAllText(truncated, File.ReadAllText(truncated)[..200]);
        File.WriteAllText(edited, File.ReadAllText(edited).Replace("\"steps\": 4", "\"steps\": 5", StringComparison.Ordinal));
        var (repaired, again2, status2) = Sweep(plan, dir.Path, threads: 1);
        Assert.Equal([2, 6], again2.Order());
        Assert.Equal([2, 6], status2.Invalid.Select(i => i.Index));
        Assert.Equal(first, repaired);
    }

    [Fact]
    public void Execute_StoredRunOfAnotherVersion_IsRecomputed()
    {
        using var dir = new TempDir();
        var plan = Plan(SmallAxes);
        Sweep(plan, dir.Path, threads: 2);
        var store = new RunStore(Path.Combine(dir.Path, "runs"));
        // Another SimByz version gives other keys: nothing stored is reused.
        var newer = SweepPlan.Create(plan.Grid, "other-version");
        Assert.All(SweepPlanTests.Runs(newer), r => Assert.False(store.TryLoad(r).IsValid));
        // A file that claims another key under this key's name is not trusted.
        File.Copy(store.PathOf(plan.Run(1).Key), store.PathOf(plan.Run(0).Key), overwrite: true);
        Assert.Contains("another key", store.TryLoad(plan.Run(0)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_OneOrTwoThreads_ByteIdenticalResults()
    {
        using var one = new TempDir();
        using var two = new TempDir();
        var plan = Plan(SmallAxes);
        var (a, _, _) = Sweep(plan, one.Path, threads: 1);
        var (b, _, _) = Sweep(plan, two.Path, threads: 2);
        Assert.Equal(a, b);
        var names = Directory.GetFiles(Path.Combine(one.Path, "runs")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        foreach (string? name in names)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(one.Path, "runs", name!)), File.ReadAllBytes(Path.Combine(two.Path, "runs", name!)));
        }
    }

    [Fact]
    public void Execute_EachRun_EqualsItsScenarioRunAlone()
    {
        using var dir = new TempDir();
        var plan = Plan(SmallAxes);
        var store = new RunStore(Path.Combine(dir.Path, "runs"));
        SweepRunner.Execute(plan, store, 2);
        var results = SweepRunner.Load(plan, store);
        foreach (int i in new[] { 0, 7 })
        {
            var alone = new TrainingRun(SimByz.Simulator.Scenarios.ScenarioBuilder.Build(plan.Run(i).Scenario), plan.Run(i).Defence).Run();
            // The sweep keeps the final evaluation point; the store has them all.
            Assert.Equal([alone.Final], results[i]!.Rows);
            Assert.Equal((alone.Defence, alone.Steps, alone.EndTime, alone.Events, alone.Messages, alone.StopReason),
                (results[i]!.Defence, results[i]!.Steps, results[i]!.EndTime, results[i]!.Events, results[i]!.Messages, results[i]!.StopReason));
            // The stored copy reads back equal, bit for bit.
            Assert.Equal(alone.Rows, store.TryLoad(plan.Run(i)).Result!.Rows);
        }
    }

    [Fact]
    public void Execute_CancelledBeforeStart_StoresNothing()
    {
        using var dir = new TempDir();
        var plan = Plan(SmallAxes);
        var store = new RunStore(Path.Combine(dir.Path, "runs"));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => SweepRunner.Execute(plan, store, 2, cancellation: cts.Token));
        Assert.False(Directory.Exists(store.Directory) && Directory.EnumerateFileSystemEntries(store.Directory).Any());
    }

    [Fact]
    public void Execute_CancelledMidway_KeepsTheFinishedRuns_RerunComputesOnlyTheRest()
    {
        using var dir = new TempDir();
        using var reference = new TempDir();
        var plan = Plan(SmallAxes);
        var store = new RunStore(Path.Combine(dir.Path, "runs"));
        using var cts = new CancellationTokenSource();
        var finished = new List<int>();
        Assert.ThrowsAny<OperationCanceledException>(() => SweepRunner.Execute(plan, store, 1, null, (run, _) =>
        {
            finished.Add(run.Index);
            if (finished.Count == 3) cts.Cancel(); // Ctrl-C after the third run
        }, cts.Token));
        Assert.Equal(3, finished.Count);
        // Exactly the finished runs are stored: nothing of the runs that did not finish.
        Assert.Equal(finished.Select(i => plan.KeyOf(i) + ".json").Order(StringComparer.Ordinal), Directory.GetFiles(store.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var (resumed, computed, status) = Sweep(plan, dir.Path, threads: 2);
        Assert.Equal(3, status.Cached);
        Assert.Equal(Enumerable.Range(0, 8).Except(finished), computed.Order());
        Assert.Equal(Sweep(plan, reference.Path, threads: 2).Csv, resumed);
    }

    [Fact]
    public void Panels_MeanAndSampleStdOverSeeds_DefenceByAttack()
    {
        using var dir = new TempDir();
        var plan = Plan(SmallAxes);
        var store = new RunStore(Path.Combine(dir.Path, "runs"));
        SweepRunner.Execute(plan, store, 2);
        var results = SweepRunner.Load(plan, store);
        var panel = Assert.Single(SweepResults.Panels(plan, results));
        Assert.Equal(["mean", "median"], panel.Defences);
        Assert.Equal(["sign-flip:s=4", "label-flip"], panel.Attacks);
        // median (row 1) × label-flip (column 1): runs 6 (seed 1) and 7 (seed 2).
        double a = results[6]!.Final.TestAccuracy, b = results[7]!.Final.TestAccuracy;
        Assert.Equal((a + b) / 2, panel.Mean[1, 1], 12);
        Assert.Equal(Math.Abs(a - b) / Math.Sqrt(2), panel.Std[1, 1], 12);
        string md = SweepResults.Markdown(plan, results);
        Assert.Contains("| defence | `sign-flip:s=4` | `label-flip` |", md, StringComparison.Ordinal);
        Assert.Contains("| `median` |", md, StringComparison.Ordinal);
    }
}

[CollectionDefinition(nameof(SweepMemoryTests), DisableParallelization = true)]
public sealed class SweepMemoryCollection;

/// <summary>A sweep's memory does not grow with its runs' lengths nor with their number: computing, inspecting and writing the outputs keep
/// nothing per run (results.csv is written from the store in grid order, each panel cell keeps an accumulator); the outputs are those
/// of the full results, byte for byte. Alone in its collection: it measures the heap.</summary>
[Collection(nameof(SweepMemoryTests))]
public class SweepMemoryTests
{
    [Fact]
    public void ExecuteInspectAndWrite_AThousandRunsOfFortyOneEvaluations_KeepNothingPerRun_OutputsAsFromFullResults()
    {
        const int runs = 1000;
        using var dir = new TempDir();
        string Grid(int from, int count) => SweepFixtures.Grid("\"defences\": [\"mean\"], \"attacks\": [\"sign-flip:s=4\"], \"q\": [2], \"seeds\": [" + string.Join(", ", Enumerable.Range(from, count)) + "]")
            .Replace("\"budget.steps=4\", \"evaluation.every=2\"", "\"budget.steps=40\", \"evaluation.every=1\"", StringComparison.Ordinal)
            .Replace("train=1200,test=200", "train=240,test=40", StringComparison.Ordinal)
            .Replace("\"task.validation=200\"", "\"task.validation=40\"", StringComparison.Ordinal)
            .Replace("\"evaluation.trainRows=200\"", "\"evaluation.trainRows=40\"", StringComparison.Ordinal);
        var plan = SweepPlan.Create(Parse(Grid(1, runs)), SweepFixtures.Version);
        Assert.Equal(runs, plan.RunCount);
        // Warm-up: the same sweep into a store of its own (JIT, statics, the thread pool's threads, what the plan builds on first use:
        // about 200 KB), so the measurements below see only what a sweep keeps per run.
        var warmStore = new RunStore(Path.Combine(dir.Path, "warm"));
        SweepRunner.Execute(plan, warmStore, 2);
        SweepRunner.Inspect(plan, warmStore);

        // The heap is the process's: a thread the pool adds under load keeps its own ArrayPool cache (tens of KB), which is not
        // per-run memory. What a sweep keeps per run recurs in every repeat, so each count is the least over up to three repeats
        // (each into a fresh store), and the bound stays 32 B.
        long perComputedRun = long.MaxValue, perStoredRun = long.MaxValue;
        RunStore store = null!;
        for (int attempt = 0; attempt < 3 && perComputedRun >= 32; attempt++)
        {
            store = new RunStore(Path.Combine(dir.Path, "runs" + attempt));
            long before = GC.GetTotalMemory(forceFullCollection: true);
            int computed = SweepRunner.Execute(plan, store, 2);
            perComputedRun = Math.Min(perComputedRun, (GC.GetTotalMemory(forceFullCollection: true) - before) / runs);
            Assert.Equal(runs, computed);
        }
        for (int attempt = 0; attempt < 3 && perStoredRun >= 32; attempt++)
        {
            long before = GC.GetTotalMemory(forceFullCollection: true);
            var status = SweepRunner.Inspect(plan, store);
            perStoredRun = Math.Min(perStoredRun, (GC.GetTotalMemory(forceFullCollection: true) - before) / runs);
            Assert.Equal(runs, status.Cached);
            GC.KeepAlive(status);
        }
        // Before this change a sweep kept each run's summary: about 600 bytes per run.
        Assert.True(perComputedRun < 32, $"{perComputedRun} bytes kept per computed run");
        Assert.True(perStoredRun < 32, $"{perStoredRun} bytes kept per stored run");

        // The full results, for comparison: 41 evaluation points each (about 7 KB per run in memory).
        var full = Enumerable.Range(0, runs).Select(i => store.TryLoad(plan.Run(i)).Result).ToArray();
        Assert.All(full, r => Assert.Equal(41, r!.Rows.Count));
        using (var output = new SimByz.Simulator.Output.AtomicOutput(Path.Combine(dir.Path, "out")))
        {
            var panels = SweepResults.Write(output, plan, table => SweepRunner.ReadInOrder(plan, store, (i, r, _) => table.Add(i, r!)));
            Assert.Equal(SweepResults.Markdown(plan, full), SweepResults.Markdown(plan, panels));
            output.Commit();
        }
        Assert.Equal(SweepResults.Csv(plan, full), File.ReadAllText(Path.Combine(dir.Path, "out", "results.csv")));
        Assert.Equal(SweepResults.Markdown(plan, full), File.ReadAllText(Path.Combine(dir.Path, "out", "summary.md")));
    }
}
