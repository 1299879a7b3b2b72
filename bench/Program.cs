using BenchmarkDotNet.Running;

namespace SimByz.Bench;

/// <summary>Entry point: <c>dotnet run -c Release --project bench -- --filter '*'</c>; <c>-- sweep-fill-store …</c>
/// fills a sweep run store for scripts/sweep-scale (<see cref="Sweeps.SweepStoreFiller"/>).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "sweep-fill-store") return Sweeps.SweepStoreFiller.Run(args);
        foreach (var summary in BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args))
        {
            // AggregatorBenchmarks: issue 16's verdicts on this run's own figures, after its table.
            var run = Aggregation.AggregatorVerdictConfig.Timings(summary);
            if (run.Count > 0)
            {
                foreach (string line in Aggregation.IssueTargets.Report(run)) Console.WriteLine(line);
            }
            // AggregatorPairedBenchmark: the same targets on its paired ratios.
            var paired = Aggregation.AggregatorPairedBenchmark.PairedRatios(summary);
            if (paired.Count > 0)
            {
                foreach (string line in Aggregation.IssueTargets.PairedReport(paired)) Console.WriteLine(line);
            }
        }
        return 0;
    }
}
