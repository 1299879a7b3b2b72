using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SimByz.Cli.Composition;
using SimByz.Cli.Plotting;
using SimByz.Cli.Progress;
using SimByz.Cli.Sweeps;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Sweeps;

namespace SimByz.Cli.Commands;

/// <summary>
/// <c>simbyz sweep GRID.json [--out DIR] [--store DIR] [--shard K/N] [--threads N]</c>: the grid's runs
/// (docs/SWEEPS.md), in parallel, resumable (finished runs are stored in the run store and never
/// recomputed), then results.csv, summary.md and the figures (heatmap and accuracy, PNG and SVG) in DIR, atomically; with
/// <c>--shard K/N</c> only shard K's runs, into the store. <c>sweep collect</c> writes the outputs from a
/// store filled by shards; <c>sweep submit --slurm</c> runs the shards as a Slurm array job.
/// </summary>
internal static class SweepCommand
{
    /// <summary>A folder option (<c>--store</c>, <c>--out</c>) as given (null when not given), or a <see cref="SimByzException"/>
    /// when it is empty (<c>--store ""</c> ended a sweep with Path.GetFullPath's stack trace); checked before the grid is
    /// planned, so that nothing is printed first.</summary>
    private static string? NonEmpty(string option, string? given)
        => given is null ? null : StrictText.RequirePath(given, option);

    /// <summary>Exit code of <c>sweep collect</c> when the store lacks runs of the grid.</summary>
    public const int MissingRunsExitCode = 3;

    private sealed record Common(Argument<string> Grid, Option<string?> Store, Option<string> Device, Option<string[]> Plugins);

    public static Command Create(TextWriter output)
    {
        var gridArgument = new Argument<string>("grid") { Description = "The grid file (docs/SWEEPS.md), e.g. sweeps/example.json." };
        var outOption = new Option<string?>("--out") { Description = "Output folder (default: runs/sweep-NAME). Rerunning into the same folder resumes." };
        var storeOption = new Option<string?>("--store") { Description = "Run store folder (default: OUT/runs). Shards, collect and plain sweeps of one grid share it." };
        var shardOption = new Option<string?>("--shard") { Description = "Compute only shard K of N (K/N, 0 ≤ K < N) into --store; no results are written." };
        var threadsOption = ThreadsOption.Create("Runs in parallel (results do not depend on it).");
        var progressOption = new Option<double>("--progress-interval") { Description = "Seconds between progress lines (0: none but the last).", DefaultValueFactory = _ => 10 };
        var quietOption = new Option<bool>("--quiet") { Description = "No progress lines and no line per finished run (the header, the summary and the files written are still printed)." };
        var deviceOption = new Option<string>("--device") { Description = "Device for torch models (cnn, zeno-cnn, torch-mlp): auto (CUDA when available), cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var pluginOption = CliComposition.PluginOption();
        var maxMemoryOption = RunCommand.MaxMemoryOption();
        maxMemoryOption.Description = "Refuse to start a sweep whose runs computed at once (--threads of them) are estimated to need more memory than this, e.g. 8GB (default: the memory available).";
        var common = new Common(gridArgument, storeOption, deviceOption, pluginOption);
        var command = new Command("sweep", "Run a grid of scenarios (any scenario field, defences × attacks × q × delays × seeds), resumable and shardable; write results.csv, summary.md and figures." + CommandExamples.Format(
            "simbyz sweep sweeps/example.json --out runs/example",
            "simbyz sweep sweeps/example.json --shard 0/4 --store /shared/store --quiet",
            "simbyz sweep collect sweeps/example.json --store /shared/store --out results"))
        {
            gridArgument, outOption, storeOption, shardOption, threadsOption, progressOption, quietOption, deviceOption, pluginOption, maxMemoryOption,
        };
        command.Subcommands.Add(CollectCommand(output));
        command.Subcommands.Add(SubmitCommand(output));
        command.SetAction(parse =>
        {
            int runsAtOnce = ThreadsOption.Parse(parse.GetValue(threadsOption));
            var interval = ProgressDisplay.ParseSweepInterval(parse.GetValue(progressOption));
            string? store = NonEmpty("--store", parse.GetValue(storeOption));
            string? givenOut = NonEmpty("--out", parse.GetValue(outOption));
            var memory = new MemoryBudget(MemoryLimit.FromOption(parse.GetValue(maxMemoryOption)), runsAtOnce);
            var (grid, plan, device) = Plan(parse, common, output, runsAtOnce, memory);
            string outDir = givenOut ?? Path.Combine("runs", "sweep-" + grid.Name);
            int threads = runsAtOnce;
            bool quiet = parse.GetValue(quietOption);
            if (parse.GetValue(shardOption) is { } shardText)
            {
                if (parse.GetValue(storeOption) is null) throw new SimByzException("--shard needs --store DIR: the run store the shards and `simbyz sweep collect` share");
                var (shard, count) = SweepShards.Parse(shardText);
                return ExecuteShard(plan, store!, shard, count, threads, interval, output, quiet);
            }
            return Execute(plan, outDir, store, threads, interval, output, quiet);
        });
        return command;
    }

    private static Command CollectCommand(TextWriter output)
    {
        var gridArgument = new Argument<string>("grid") { Description = "The grid file the shards ran." };
        var storeOption = new Option<string?>("--store") { Description = "The run store the shards wrote into.", Required = true };
        var outOption = new Option<string?>("--out") { Description = "Output folder (default: runs/sweep-NAME)." };
        var deviceOption = new Option<string>("--device") { Description = "As given to the shards.", DefaultValueFactory = _ => "auto" };
        var pluginOption = CliComposition.PluginOption();
        var common = new Common(gridArgument, storeOption, deviceOption, pluginOption);
        var command = new Command("collect", "Write results.csv, summary.md and the figures of a grid from a run store filled by shards (byte-identical to an unsharded sweep); list missing runs and exit 3 if any.")
        {
            gridArgument, storeOption, outOption, deviceOption, pluginOption,
        };
        command.SetAction(parse =>
        {
            string store = NonEmpty("--store", parse.GetValue(storeOption))!;
            string? givenOut = NonEmpty("--out", parse.GetValue(outOption));
            var (grid, plan, _) = Plan(parse, common, output, Environment.ProcessorCount);
            string outDir = givenOut ?? Path.Combine("runs", "sweep-" + grid.Name);
            return Collect(plan, store, outDir, output);
        });
        return command;
    }

    private static Command SubmitCommand(TextWriter output)
    {
        var gridArgument = new Argument<string>("grid") { Description = "The grid file." };
        var slurmOption = new Option<bool>("--slurm") { Description = "Submit to Slurm with sbatch (the one scheduler supported; see docs/SWEEPS.md for Kubernetes)." };
        var storeOption = new Option<string?>("--store") { Description = "The run store, on a filesystem every node sees.", Required = true };
        var outOption = new Option<string?>("--out") { Description = "Output folder of the collect job, and of the scripts and logs (default: runs/sweep-NAME)." };
        var tasksOption = new Option<int?>("--tasks") { Description = "Array tasks (shards); default: the number of runs, at most 32." };
        var partitionOption = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's)." };
        var timeOption = new Option<string?>("--time") { Description = "Time limit per task, in Slurm's syntax (e.g. 2:00:00)." };
        var cpusOption = new Option<int>("--cpus-per-task") { Description = "CPUs per task: runs computed at once in a task.", DefaultValueFactory = _ => 1 };
        var dryRunOption = new Option<bool>("--dry-run") { Description = "Print the two scripts; write and submit nothing." };
        var deviceOption = new Option<string>("--device") { Description = "Device for torch models, passed on to the jobs.", DefaultValueFactory = _ => "auto" };
        var pluginOption = CliComposition.PluginOption();
        var common = new Common(gridArgument, storeOption, deviceOption, pluginOption);
        var command = new Command("submit", "Run a grid's shards as a Slurm array job and collect them in a job that depends on it (afterok).")
        {
            gridArgument, slurmOption, storeOption, outOption, tasksOption, partitionOption, timeOption, cpusOption, dryRunOption, deviceOption, pluginOption,
        };
        command.SetAction(parse =>
        {
            if (!parse.GetValue(slurmOption)) throw new SimByzException("sweep submit: give --slurm (Slurm is the scheduler submit writes jobs for; for Kubernetes see docs/SWEEPS.md)");
            // Everything given on the command line is checked before the grid is planned (which prints its header).
            string store = Path.GetFullPath(NonEmpty("--store", parse.GetValue(storeOption))!);
            string? givenOut = NonEmpty("--out", parse.GetValue(outOption));
            int? givenTasks = parse.GetValue(tasksOption);
            if (givenTasks < 1) throw new SimByzException($"--tasks {givenTasks}: expected at least 1");
            int cpus = parse.GetValue(cpusOption);
            if (cpus < 1) throw new SimByzException($"--cpus-per-task {cpus}: expected at least 1");
            string? partition = parse.GetValue(partitionOption), time = parse.GetValue(timeOption);
            SlurmJobs.CheckOptions(partition, time, givenOut is null ? null : Path.GetFullPath(givenOut));
            var (grid, plan, _) = Plan(parse, common, output, Environment.ProcessorCount);
            string outDir = Path.GetFullPath(givenOut ?? Path.Combine("runs", "sweep-" + grid.Name));
            if (givenOut is null) SlurmJobs.CheckFolder(outDir, $"the output folder '{outDir}' (runs/sweep-NAME, as no --out was given)");
            int tasks = givenTasks ?? Math.Min(plan.RunCount, 32);
            string extra = parse.GetValue(deviceOption) is { } d && d != "auto" ? " --device " + SlurmJobs.Quote(d) : "";
            foreach (string plugin in parse.GetValue(pluginOption) ?? []) extra += " --plugin " + SlurmJobs.Quote(Path.GetFullPath(plugin));
            var jobs = new SlurmJobs(grid.Name, SlurmJobs.SimbyzCommand(), Path.GetFullPath(parse.GetValue(gridArgument)!), store,
                outDir, Path.Combine(outDir, "slurm"), tasks, cpus, partition, time, extra);
            return Submit(jobs, parse.GetValue(dryRunOption), output);
        });
        return command;
    }

    /// <summary>Loads the grid and plans it; with <paramref name="memory"/>, refuses runs estimated above its limit (before loading their data).</summary>
    private static (SweepGrid Grid, SweepPlan Plan, string? Device) Plan(ParseResult parse, Common common, TextWriter output, int threads, MemoryBudget? memory = null)
    {
        var composition = CliComposition.Create(parse.GetValue(common.Plugins), parse.GetValue(common.Device) ?? "auto");
        var grid = SweepGrid.Load(parse.GetValue(common.Grid)!, composition.Root);
        string? device = null;
        string? deviceDescription = composition.TorchDeviceFor(grid.Base);
        if (deviceDescription is not null) device = composition.Device.IsCuda ? "cuda" : "cpu";
        output.WriteLine($"SimByz {VersionCommand.SimByzVersion} · sweep {grid.Name} · base {grid.BaseLabel}");
        if (deviceDescription is not null) output.WriteLine($"backend: {deviceDescription}");
        var clock = Stopwatch.StartNew();
        // Every distinct combination is resolved and built before any run starts.
        var plan = SweepPlan.Create(grid, VersionCommand.SimByzVersion, device, threads, memory);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{plan.RunCount} runs: {SweepResults.Dimensions(grid)} (planned in {clock.Elapsed.TotalSeconds:0.0} s)"));
        return (grid, plan, device);
    }

    /// <summary>Computes the missing runs of <paramref name="plan"/> into the run store and writes the outputs
    /// (<paramref name="storeDir"/> null: the store is runs/ inside the output folder as resolved, a link followed).</summary>
    /// <remarks>All or nothing: on an error or a cancel the outputs are not written, and the folders this command created and
    /// left empty (the output folder, the store) are removed; the runs that finished stay in the store, where a rerun finds them.</remarks>
    internal static int Execute(SweepPlan plan, string outDir, string? storeDir, int threads, TimeSpan interval, TextWriter output, bool quiet = false)
    {
        // Ctrl-C and SIGTERM are handled from the start, so a cancel at any point removes what this command created.
        using var cancellation = new ConsoleCancellation();
        // The folder is taken before anything is computed or stored: a folder in use or unwritable is
        // reported at once, and nothing is created in a folder another process holds.
        using var files = OpenOutput(outDir);
        storeDir ??= Path.Combine(files.FullPath, "runs");
        output.WriteLine($"output {outDir}, run store {storeDir}");
        var store = new RunStore(storeDir);
        // The output folder itself appears only on success (by the commit), or as the home of a store of finished runs.
        var created = MissingFolders(store.Directory, files.FullPath);
        bool complete = false;
        try
        {
            AtomicOutput.EnsureWritable(store.Directory);
            store.RemoveStaleTemporaries();
            var status = Inspect(plan, store, null, output);
            if (!Compute(plan, store, status, null, threads, interval, output, quiet, cancellation, out int done))
            {
                output.WriteLine(done > 0 ? $"cancelled: {done} runs finished and stored in {storeDir}; rerun the same command to resume" : "cancelled: no output written");
                return cancellation.ExitCode;
            }
            cancellation.Token.ThrowIfCancellationRequested();
            // results.csv and summary.md from the store, read in grid order a window at a time.
            var panels = WriteOutputs(plan, table => SweepRunner.ReadInOrder(plan, store, (i, result, problem) => table.Add(i, result
                ?? throw new SimByzException($"run {i}: its stored file {store.PathOf(plan.KeyOf(i))} {(problem is null ? "disappeared" : "is no longer trusted (" + problem + ")")} " +
                    "while the sweep ran (another process writing into the run store?): rerun the same command"))), files);
            complete = true;
            output.Write(SweepResults.Markdown(plan, panels));
            output.WriteLine($"wrote {Path.Combine(outDir, "results.csv")}, summary.md, heatmap.png, heatmap.svg, accuracy.png, accuracy.svg ({status.Pending} computed, {status.Cached} cached)");
            return 0;
        }
        catch (OperationCanceledException)
        {
            output.WriteLine("cancelled: no output written");
            return cancellation.ExitCode;
        }
        finally
        {
            if (!complete) RemoveIfEmpty(created);
        }
    }

    private static int ExecuteShard(SweepPlan plan, string storeDir, int shard, int count, int threads, TimeSpan interval, TextWriter output, bool quiet)
    {
        using var cancellation = new ConsoleCancellation();
        // The shard of a run follows from its index (SweepShards): nothing is listed per run.
        var shards = SweepShards.Create(plan, count);
        bool Mine(int i) => shards.ShardOf(i) == shard;
        int runs = 0;
        for (int i = 0; i < plan.RunCount; i++) runs += Mine(i) ? 1 : 0;
        long cost = shards.CostOf(shard), total = Enumerable.Range(0, count).Sum(shards.CostOf);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"shard {shard}/{count}: {runs} of {plan.RunCount} runs ({100.0 * cost / Math.Max(1, total):0.0} % of the estimated cost); run store {storeDir}"));
        var store = new RunStore(storeDir);
        var created = MissingFolders(store.Directory, null);
        bool stored = false;
        try
        {
            AtomicOutput.EnsureWritable(store.Directory);
            store.RemoveStaleTemporaries();
            var status = Inspect(plan, store, Mine, output);
            bool finished = Compute(plan, store, status, Mine, threads, interval, output, quiet, cancellation, out int done);
            stored = done > 0;
            if (!finished)
            {
                output.WriteLine(done > 0 ? $"cancelled: {done} runs finished and stored in {storeDir}; rerun the same command to resume" : "cancelled: nothing stored");
                return cancellation.ExitCode;
            }
            stored = true;
            output.WriteLine($"shard {shard}/{count} done: {status.Pending} computed, {status.Cached} cached; collect with `simbyz sweep collect GRID --store {storeDir}`");
            return 0;
        }
        finally
        {
            if (!stored) RemoveIfEmpty(created);
        }
    }

    /// <summary>The folders from <paramref name="path"/> up that do not exist yet, deepest first, up to and including <paramref name="top"/> when it
    /// is one of them (null: up to the first that exists).</summary>
    private static List<string> MissingFolders(string path, string? top)
    {
        var missing = new List<string>();
        for (string? dir = Path.GetFullPath(path); dir is not null && !Directory.Exists(dir) && !File.Exists(dir); dir = Path.GetDirectoryName(dir))
        {
            missing.Add(dir);
            if (top is not null && string.Equals(dir, Path.GetFullPath(top), StringComparison.Ordinal)) break;
        }
        return missing;
    }

    /// <summary>Removes the folders of <paramref name="created"/> (deepest first) that are empty; a folder holding anything (finished runs) stays.</summary>
    private static void RemoveIfEmpty(List<string> created)
    {
        foreach (string dir in created)
        {
            try
            {
                if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort: an error is already being reported.
            }
        }
    }

    /// <summary>One pass over the store in grid order: results.csv is written as the runs are read (into the output's staging
    /// folder) and the panels accumulated; a missing run is counted and the first ones listed, and then nothing is committed
    /// (exit 3).</summary>
    private static int Collect(SweepPlan plan, string storeDir, string outDir, TextWriter output)
    {
        var store = new RunStore(storeDir);
        if (!Directory.Exists(storeDir)) throw new SimByzException($"run store '{storeDir}' does not exist");
        var clock = Stopwatch.StartNew();
        using var files = OpenOutput(outDir);
        int found = 0, missing = 0;
        var listed = new List<(int Index, string? Reason)>();
        SweepResults.Table table;
        using (var csv = files.CreateText("results.csv"))
        {
            table = new SweepResults.Table(plan, csv);
            SweepRunner.ReadInOrder(plan, store, (i, result, problem) =>
            {
                if (result is null)
                {
                    if (listed.Count < SweepRunner.ListedPending) listed.Add((i, problem));
                    missing++;
                    return;
                }
                found++;
                if (missing == 0) table.Add(i, result);
            });
        }
        double read = clock.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read {found} stored runs in {read:0.0} s"));
        if (missing > 0)
        {
            output.WriteLine($"{missing} of {plan.RunCount} runs are missing from {storeDir}:");
            foreach (var (i, reason) in listed)
            {
                var point = plan.Point(i);
                string why = reason is not null ? $" (stored file not trusted: {reason})" : "";
                output.WriteLine($"  run {i} ({point}, defence = {point.Defence}): {plan.KeyOf(i)}.json{why}");
            }
            if (missing > listed.Count) output.WriteLine($"  … and {missing - listed.Count} more");
            output.WriteLine("run the missing shards again (or `simbyz sweep GRID --store DIR` for all of them), then collect");
            return MissingRunsExitCode;
        }
        var panels = table.Panels();
        files.WriteAllText("summary.md", SweepResults.Markdown(plan, panels));
        Figures(plan, panels, files);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {Path.Combine(outDir, "results.csv")}, summary.md, heatmap.png, heatmap.svg, accuracy.png, accuracy.svg ({plan.RunCount} runs; read {read:0.0} s, outputs {clock.Elapsed.TotalSeconds - read:0.0} s)"));
        return 0;
    }

    private static int Submit(SlurmJobs jobs, bool dryRun, TextWriter output)
    {
        string array = jobs.ArrayScript(), collect = jobs.CollectScript();
        if (dryRun)
        {
            output.WriteLine($"# {Path.Combine(jobs.Logs, "array.sbatch")}");
            output.Write(array);
            output.WriteLine($"# {Path.Combine(jobs.Logs, "collect.sbatch")} (submitted with --dependency=afterok:ARRAY_JOB_ID)");
            output.Write(collect);
            return 0;
        }
        string sbatch = SlurmJobs.FindOnPath("sbatch") ?? throw new SimByzException("sbatch not found on PATH: submit needs a Slurm client (scripts/slurm-local up starts a local cluster)");
        using (var files = new AtomicOutput(jobs.Logs))
        {
            files.WriteAllText("array.sbatch", array);
            files.WriteAllText("collect.sbatch", collect);
            files.Commit();
        }
        Directory.CreateDirectory(jobs.Store);
        string arrayId = Sbatch(sbatch, [Path.Combine(jobs.Logs, "array.sbatch")]);
        string collectId = Sbatch(sbatch, [$"--dependency=afterok:{arrayId}", Path.Combine(jobs.Logs, "collect.sbatch")]);
        output.WriteLine($"submitted array job {arrayId} ({jobs.Tasks} tasks) and collect job {collectId} (afterok:{arrayId})");
        output.WriteLine($"scripts and logs: {jobs.Logs}; results: {jobs.Out}");
        output.WriteLine($"array job id: {arrayId}");
        output.WriteLine($"collect job id: {collectId}");
        return 0;
    }

    private static string Sbatch(string sbatch, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(sbatch) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--parsable");
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new SimByzException($"cannot start {sbatch}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new SimByzException($"sbatch {string.Join(' ', args)} failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
        // --parsable prints "ID" or "ID;CLUSTER".
        string id = stdout.Trim().Split(';')[0];
        if (id.Length == 0 || !id.All(char.IsAsciiDigit)) throw new SimByzException($"sbatch printed '{stdout.Trim()}', not a job id");
        return id;
    }

    private static SweepStatus Inspect(SweepPlan plan, RunStore store, Func<int, bool>? runs, TextWriter output)
    {
        var status = SweepRunner.Inspect(plan, store, runs);
        foreach (var (index, reason) in status.Invalid)
        {
            output.WriteLine($"stored run {plan.KeyOf(index)} (run {index}) not trusted, recomputing: {reason}");
        }
        if (status.InvalidCount > status.Invalid.Count) output.WriteLine($"… and {status.InvalidCount - status.Invalid.Count} more stored runs not trusted, recomputing");
        output.WriteLine($"{status.Cached} cached, {status.Pending} to run");
        return status;
    }

    /// <summary>Computes the pending runs with progress lines (none when <paramref name="quiet"/>); false when cancelled.</summary>
    private static bool Compute(SweepPlan plan, RunStore store, SweepStatus status, Func<int, bool>? runs, int threads, TimeSpan interval, TextWriter output, bool quiet,
        ConsoleCancellation cancellation, out int done)
    {
        done = 0;
        if (status.Pending == 0) return true;
        using var progress = quiet ? null : new SweepProgress(output, status.Pending, status.PendingCost, interval);
        // One line per run is useful for a small sweep; a large one reports by progress lines only.
        bool perRun = !quiet && status.Pending <= 200;
        int count = 0;
        try
        {
            SweepRunner.Execute(plan, store, threads, runs, (run, result) =>
            {
                count++;
                progress?.RunDone(plan.CostOf(run.Index));
                if (perRun)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{count}/{status.Pending}] run {run.Index}: {run.Point}, defence = {run.Defence}: test accuracy {NumberText.Percent(result.Final.TestAccuracy)}"));
                }
            }, cancellation.Token);
            progress?.Report();
            done = count;
            return true;
        }
        catch (OperationCanceledException)
        {
            done = count;
            return false;
        }
    }

    /// <summary>Takes the output folder; the summary replaces it as a whole, keeping the run store (runs/) and Slurm logs (slurm/) living in it.</summary>
    private static AtomicOutput OpenOutput(string outDir) => new(outDir, keep: ["runs", "slurm"]);

    /// <summary>Writes every output from the results <paramref name="results"/> gives in grid order, and commits.</summary>
    private static IReadOnlyList<AccuracyPanel> WriteOutputs(SweepPlan plan, Action<SweepResults.Table> results, AtomicOutput files)
    {
        var panels = SweepResults.Write(files, plan, results);
        Figures(plan, panels, files);
        return panels;
    }

    /// <summary>The figures of the panels, then the commit.</summary>
    private static void Figures(SweepPlan plan, IReadOnlyList<AccuracyPanel> panels, AtomicOutput files)
    {
        SweepHeatmap.Save(plan, panels, files.ReservePath("heatmap.png"), files.ReservePath("heatmap.svg"));
        SweepWhiskers.Save(plan, panels, files.ReservePath("accuracy.png"), files.ReservePath("accuracy.svg"));
        files.Commit();
    }
}
