using System.CommandLine;
using System.Globalization;
using SimByz.Cli.Composition;
using SimByz.Cli.Plotting;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Sweeps;

namespace SimByz.Cli.Commands;

/// <summary>
/// <c>simbyz sweep GRID.json [--out DIR] [--threads N] [--device auto|cpu|cuda]</c>: every run of the
/// grid's cartesian product (docs/SWEEPS.md), in parallel, resumable (finished runs are stored under
/// DIR/runs/ and never recomputed), then results.csv, summary.md and heatmap.png in DIR, atomically.
/// </summary>
internal static class SweepCommand
{
    public static Command Create(TextWriter output)
    {
        var gridArgument = new Argument<string>("grid") { Description = "The grid file (docs/SWEEPS.md), e.g. sweeps/example.json." };
        var outOption = new Option<string?>("--out") { Description = "Output folder (default: runs/sweep-NAME). Rerunning into the same folder resumes." };
        var threadsOption = new Option<int>("--threads") { Description = "Runs in parallel (results do not depend on it).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var deviceOption = new Option<string>("--device") { Description = "Device for torch models (cnn, zeno-cnn, torch-mlp): auto (CUDA when available), cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var pluginOption = CliComposition.PluginOption();
        var command = new Command("sweep", "Run a grid of scenarios (defences × attacks × q × delays × seeds), resumable; write results.csv, summary.md, heatmap.png.")
        {
            gridArgument, outOption, threadsOption, deviceOption, pluginOption,
        };
        command.SetAction(parse =>
        {
            var composition = CliComposition.Create(parse.GetValue(pluginOption), parse.GetValue(deviceOption) ?? "auto");
            var grid = SweepGrid.Load(parse.GetValue(gridArgument)!, composition.Root);
            string outDir = parse.GetValue(outOption) ?? Path.Combine("runs", "sweep-" + grid.Name);
            int threads = Math.Max(1, parse.GetValue(threadsOption));
            string? device = null;
            string? deviceDescription = composition.TorchDeviceFor(grid.Base);
            if (deviceDescription is not null) device = composition.Device.IsCuda ? "cuda" : "cpu";
            return Execute(grid, outDir, threads, output, device, deviceDescription);
        });
        return command;
    }

    internal static int Execute(SweepGrid grid, string outDir, int threads, TextWriter output, string? device = null, string? deviceDescription = null)
    {
        output.WriteLine($"SimByz {VersionCommand.SimByzVersion} · sweep {grid.Name} · base {grid.BaseLabel}");
        if (deviceDescription is not null) output.WriteLine($"backend: {deviceDescription}");
        // The folder is taken before planning: a folder in use or unwritable is reported at once. Its store
        // of finished runs (runs/) is written in place and kept when the summary replaces the folder.
        using var files = new AtomicOutput(outDir, keep: ["runs"]);
        // Every combination is resolved and built before any run starts.
        var plan = SweepPlan.Create(grid, VersionCommand.SimByzVersion, device);
        output.WriteLine($"{plan.Runs.Count} runs: {grid.Defences.Count} defences × {grid.Attacks.Count} attacks × {grid.Q.Count} q × " +
            $"{grid.Delays.Count} delays × {grid.Seeds.Count} seeds; output {outDir}");
        var store = new RunStore(Path.Combine(files.FullPath, "runs"));
        var status = SweepRunner.Inspect(plan, store);
        foreach (var (run, reason) in status.Invalid)
        {
            output.WriteLine($"stored run {run.Key} (run {run.Index}) not trusted, recomputing: {reason}");
        }
        output.WriteLine($"{status.Cached} cached, {status.Pending.Count} to run");

        using var cancellation = new ConsoleCancellation();
        int done = 0;
        try
        {
            var results = SweepRunner.Execute(plan, store, status, threads, (run, result) =>
            {
                done++;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{done}/{status.Pending.Count}] run {run.Index}: {run.Cell}, defence = {run.Defence}: test accuracy {NumberText.Percent(result.Final.TestAccuracy)}"));
            }, cancellation.Token);
            SweepResults.Write(files, plan, results);
            SweepHeatmap.Save(plan, SweepResults.Panels(plan, results), files.ReservePath("heatmap.png"));
            cancellation.Token.ThrowIfCancellationRequested();
            files.Commit();
            output.Write(SweepResults.Markdown(plan, results));
            output.WriteLine($"wrote {Path.Combine(outDir, "results.csv")}, summary.md, heatmap.png ({status.Pending.Count} computed, {status.Cached} cached)");
            return 0;
        }
        catch (OperationCanceledException)
        {
            output.WriteLine($"cancelled: {done} runs finished and stored; rerun the same command to resume");
            return cancellation.ExitCode;
        }
    }

}
