using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Sweeps;

namespace SimByz.Bench.Sweeps;

/// <summary>
/// <c>dotnet run -c Release --project bench -- sweep-fill-store GRID STORE VERSION</c>: fills a run store with
/// one stored run per run of GRID, each with a made-up result of the shape a real run has (three
/// evaluation points), so that <c>simbyz sweep collect</c> can be timed on a store of any size without
/// computing the runs (scripts/sweep-scale). The files are what <see cref="RunStore.Save"/> writes: keyed,
/// checksummed and trusted by collect exactly like real ones; only the numbers are invented.
/// </summary>
internal static class SweepStoreFiller
{
    public static int Run(string[] args)
    {
        if (args.Length != 4) throw new ArgumentException("usage: sweep-fill-store GRID STORE VERSION");
        var grid = SweepGrid.Load(args[1]);
        var plan = SweepPlan.Create(grid, args[3]);
        var store = new RunStore(args[2]);
        Parallel.For(0, plan.RunCount, i =>
        {
            var run = plan.Run(i);
            var rows = new List<MetricsRow>();
            for (int k = 0; k <= 2; k++)
            {
                long step = k * run.Scenario.Budget.Steps / 2;
                rows.Add(new MetricsRow
                {
                    Defence = run.Defence, TimeNs = step * 10_000_000, Step = step, LearningRate = 0.1,
                    TrainLoss = 2.0 / (k + 1), ValidationLoss = 2.0 / (k + 1), ValidationAccuracy = 0.3 * k,
                    TestLoss = 2.0 / (k + 1), TestAccuracy = 0.3 * k + (i % 7) * 0.01,
                    Counts = new MessageCounts(step * 18, 0, 0, step * 2, 0, 0),
                    StalenessMin = 0, StalenessMean = 0, StalenessMax = 0,
                });
            }
            store.Save(run, plan, new RunResult(run.Defence, rows, run.Scenario.Budget.Steps, SimTime.FromNanoseconds(rows[^1].TimeNs), 1000, 500, "steps"));
        });
        Console.WriteLine($"stored {plan.RunCount} made-up runs in {store.Directory}");
        return 0;
    }
}
