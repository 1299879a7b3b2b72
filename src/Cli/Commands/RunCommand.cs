using System.CommandLine;
using System.Globalization;
using SimByz.Cli.Composition;
using SimByz.Cli.Plotting;
using SimByz.Cli.Progress;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Reproductions;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;
using Spectre.Console;

namespace SimByz.Cli.Commands;

/// <summary>
/// <c>simbyz run [--scenario NAME|FILE] [--seed N] [--set key=value]... [--out DIR] [--threads N]</c>:
/// runs every defence of a scenario under identical seeds and timing, shows progress and a final
/// comparison table, and writes trace.jsonl (unless --no-trace; with --record-payloads also the payload
/// sidecar), metrics.csv, summary.json and plot.png into the output folder, atomically.
/// </summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter? error = null, IReadOnlyList<string>? args = null)
    {
        error ??= Console.Error;
        var scenarioOption = new Option<string>("--scenario") { Description = "Built-in scenario name (see `simbyz list scenarios`) or a scenario JSON file.", DefaultValueFactory = _ => "default" };
        var seedOption = new Option<ulong?>("--seed") { Description = "Root seed (overrides the scenario's)." };
        var setOption = new Option<string[]>("--set") { Description = "Override a scenario field: key.path=value (repeatable), e.g. --set byzantine.count=12.", AllowMultipleArgumentsPerToken = false };
        var outOption = new Option<string?>("--out") { Description = "Output folder (default: a new folder under runs/)." };
        var threadsOption = ThreadsOption.Create("Defences run in parallel on this many threads (results do not depend on it).");
        var quietOption = new Option<bool>("--quiet") { Description = "No progress display (progress goes to stderr: bars on a terminal, else a line every 10 s)." };
        var xAxisOption = XAxisOption.Create();
        var noTraceOption = new Option<bool>("--no-trace") { Description = "Do not write trace.jsonl." };
        var payloadsOption = new Option<bool>("--record-payloads") { Description = "Also write the payload sidecar (payloads.bin, payloads.index.jsonl) for `simbyz replay --messages`." };
        var deviceOption = new Option<string>("--device") { Description = "Device for torch models (cnn, zeno-cnn, torch-mlp): auto (CUDA when available), cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var backendOption = new Option<string>("--backend") { Description = "Where the defences aggregate: cpu (managed, bit-reproducible) or torch (their tensor twins on --device).", DefaultValueFactory = _ => "cpu" };
        var pluginOption = CliComposition.PluginOption();
        var maxMemoryOption = MaxMemoryOption();
        var command = new Command("run", "Run a scenario: every defence under identical seeds and timing." + CommandExamples.Format(
            "simbyz run --scenario default --out runs/demo",
            "simbyz run --set protocol.kind=async --set protocol.asyncBuffer=10 --set byzantine.count=4 --x-axis time",
            "simbyz run --scenario my-scenario.json --seed 7 --quiet > table.txt"))
        {
            scenarioOption, seedOption, setOption, outOption, threadsOption, quietOption, xAxisOption, noTraceOption, payloadsOption, deviceOption, backendOption, pluginOption, maxMemoryOption,
        };
        command.SetAction(parse =>
        {
            ProgressDisplay.CheckIntervalVariable();
            string[] sets = parse.GetValue(setOption) ?? [];
            var scenario = TimingCsv.LoadScenario(parse.GetValue(scenarioOption), sets, parse.GetValue(seedOption));
            var xAxis = XAxisOption.Parse(parse.GetValue(xAxisOption));
            string? outDir = parse.GetValue(outOption);
            int threads = ThreadsOption.Parse(parse.GetValue(threadsOption));
            if (parse.GetValue(noTraceOption) && parse.GetValue(payloadsOption)) throw new SimByzException("--record-payloads needs the trace: drop --no-trace");
            string backend = parse.GetValue(backendOption) ?? "cpu";
            if (backend is not ("cpu" or "torch")) throw new SimByzException($"--backend '{backend}' is unknown (allowed: cpu, torch)");
            var composition = CliComposition.Create(parse.GetValue(pluginOption), parse.GetValue(deviceOption) ?? "auto", backend == "torch").WithScenarioPlugins(scenario);
            scenario = composition.Record(scenario);
            string? device = composition.TorchDeviceFor(scenario) ?? composition.Root.Backend.Device;
            // Before loading anything: a run that cannot fit is refused, not discovered minutes later.
            MemoryEstimate.Of(scenario, composition.Root, !parse.GetValue(noTraceOption), parse.GetValue(payloadsOption))
                .EnsureWithin(MemoryLimit.FromOption(parse.GetValue(maxMemoryOption)));
            if (!parse.GetValue(noTraceOption)) EnsureTraceFitsOnDisk(scenario, outDir);
            var provenance = new RunProvenance(RunProvenance.Join("simbyz", args ?? ["run"]), sets, []);
            return Execute(scenario, outDir, threads, parse.GetValue(quietOption), output, device, !parse.GetValue(noTraceOption), parse.GetValue(payloadsOption), composition.Root,
                error, provenance, xAxis);
        });
        return command;
    }

    /// <summary>Trace bytes per message (its dispatch, compute, arrive and resolve records and a share of the rest), as measured.</summary>
    private const long TraceBytesPerMessage = 600;

    /// <summary>
    /// Refuses, before anything runs, a step budget whose trace cannot fit in the space free where the output goes: the
    /// trace is streamed to disk, so its size, not memory, is what a very long run runs out of.
    /// </summary>
    private static void EnsureTraceFitsOnDisk(Scenario scenario, string? outDir)
    {
        if (scenario.Budget.Steps <= 0) return;
        int senders = scenario.Federation?.PerRound ?? scenario.Workers.Count;
        long messages = Saturating(Saturating(scenario.Budget.Steps, Math.Max(1, senders)), Math.Max(1, scenario.Defences.Count));
        long bytes = Saturating(messages, TraceBytesPerMessage);
        string? dir = Path.GetFullPath(outDir is { Length: > 0 } ? outDir : "runs");
        while (dir is not null && !Directory.Exists(dir)) dir = Path.GetDirectoryName(dir);
        if (dir is null) return;
        long free;
        try
        {
            free = new DriveInfo(dir).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return;
        }
        if (bytes <= free) return;
        throw new SimByzException($"this run's trace would take about {MemoryLimit.Format(bytes)} of disk ({scenario.Budget.Steps} steps × {senders} workers × " +
            $"{scenario.Defences.Count} defences, about {TraceBytesPerMessage} bytes per message), more than the {MemoryLimit.Format(free)} free at '{dir}': take fewer steps, or run with --no-trace");
    }

    private static long Saturating(long a, long b) => a != 0 && b > long.MaxValue / a ? long.MaxValue : a * b;

    /// <summary>The <c>--max-memory SIZE</c> option of the commands that run scenarios.</summary>
    internal static Option<string?> MaxMemoryOption() => new("--max-memory")
    {
        Description = "Refuse to start a run estimated to need more memory than this, e.g. 8GB or 512MiB (default: the memory available).",
    };

    /// <summary>Runs <paramref name="scenario"/> into <paramref name="outDir"/> (null: a new folder runs/NAME-seedN).</summary>
    internal static int Execute(Scenario scenario, string? outDir, int threads, bool quiet, TextWriter output, string? torchDevice = null,
        bool trace = true, bool recordPayloads = false, CompositionRoot? composition = null, TextWriter? error = null, RunProvenance? provenance = null,
        FigureXAxis? xAxis = null)
    {
        error ??= TextWriter.Null;
        composition ??= CliComposition.Create(scenario.Plugins).Root;
        // The output folder is taken before the data is loaded or anything computed: a folder in use or
        // unwritable is reported at once, and two runs never pick the same new folder.
        // Signals are handled from here on: one arriving while the output folder is being taken still
        // ends the run as a cancellation (message, exit 143, nothing left), not with the default handler.
        using var cancellation = new ConsoleCancellation();
        using var files = outDir is null ? AtomicOutput.CreateNew(Path.Combine("runs", DefaultFolderName(scenario))) : new AtomicOutput(outDir);
        FigureFile.StartWarmUp(); // the figure's drawing machinery loads while the data does (speed only)
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
            Ansi = output == Console.Out && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
        });
        if (output != Console.Out || Console.IsOutputRedirected) console.Profile.Width = 160;
        console.MarkupLine($"[bold]SimByz[/] {VersionCommand.SimByzVersion} · scenario [bold]{Markup.Escape(scenario.Name)}[/] · seed {scenario.Seed}");
        var setup = composition.Resolve(scenario);
        // The file's description is shown only while it still describes what runs: after --set it may not.
        bool overridden = provenance is { Overrides.Count: > 0 };
        if (scenario.Description.Length > 0 && !overridden) console.MarkupLine($"[grey]{Markup.Escape(scenario.Description)}[/]");
        if (torchDevice is not null) console.MarkupLine($"backend: {Markup.Escape(torchDevice)}");
        string who = scenario.Federation is { } fed
            ? $"{fed.Clients} clients, {fed.PerRound} per round{(fed.TraceFile is null ? "" : " from an availability trace")} ({fed.ByzantineClients} Byzantine: {Markup.Escape(ScenarioText.Attack(scenario))})"
            : $"{scenario.Workers.Count} workers ({setup.ByzantineCount} Byzantine: {Markup.Escape(ScenarioText.Attack(scenario))})";
        console.MarkupLine($"{who}, " +
            $"{Markup.Escape(ScenarioText.Protocol(scenario))}, model {Markup.Escape(scenario.Task.Model)} (d = {setup.Model.ParameterCount}), {Markup.Escape(ScenarioText.Budget(scenario))}");
        if (overridden) console.MarkupLine($"[grey]overrides: {Markup.Escape(string.Join(", ", provenance!.Overrides))}[/]");
        var warnings = ScenarioWarnings.Check(scenario, setup);
        foreach (string warning in warnings) error.WriteLine($"simbyz: warning: {warning}");
        provenance = (provenance ?? new RunProvenance(RunProvenance.Join("simbyz", ["run", "--scenario", scenario.Name]), [], [])) with { Warnings = warnings };

        try
        {
            var progress = ProgressDisplay.For(error, quiet);
            // metrics.csv and trace.jsonl are written into the hidden output folder as the run goes: memory does not grow with the steps.
            IReadOnlyList<RunResult> results = progress.Run(() =>
            {
                var report = progress.Start(scenario.Name, scenario);
                try
                {
                    return TracedExperiment.RunInto(files, scenario, setup, VersionCommand.SimByzVersion, trace, recordPayloads, threads, report, cancellation.Token, torchDevice);
                }
                finally
                {
                    progress.Finish();
                }
            });
            ExperimentRunner.WriteSummary(files, scenario, results, VersionCommand.SimByzVersion, setup.Plugins, provenance);
            RunPlots.Save(results, $"{scenario.Name}: {ScenarioText.Attack(scenario)}, {ScenarioText.Byzantine(scenario)}", ScenarioText.Protocol(scenario) + " · " + ScenarioText.Budget(scenario),
                xAxis ?? XAxisOption.DefaultFor(scenario), files.ReservePath("plot.png"), files.ReservePath("plot.svg"));
            cancellation.Token.ThrowIfCancellationRequested();
            files.Commit();
            console.Write(ResultTable(results));
            console.MarkupLine($"wrote [bold]{Markup.Escape(Path.Combine(files.Directory, "metrics.csv"))}[/], summary.json, plot.png, plot.svg{(trace ? ", trace.jsonl" : "")}{(recordPayloads ? ", payloads.bin" : "")}");
            return 0;
        }
        catch (OperationCanceledException)
        {
            console.MarkupLine("[red]cancelled[/]: no output written");
            return cancellation.ExitCode;
        }
    }

    private static Table ResultTable(IReadOnlyList<RunResult> results)
    {
        var table = new Table().AddColumns("defence", "test acc", "test loss", "train loss", "honest applied/rejected/dropped", "Byzantine applied/rejected/dropped", "steps", "sim time");
        foreach (var r in results)
        {
            var f = r.Final;
            table.AddRow(
                Markup.Escape(r.Defence), NumberText.Percent(f.TestAccuracy), Num(f.TestLoss), Num(f.TrainLoss),
                $"{f.HonestApplied}/{f.HonestRejected}/{f.HonestDropped}",
                $"{f.ByzantineApplied}/{f.ByzantineRejected}/{f.ByzantineDropped}",
                r.Steps.ToString(CultureInfo.InvariantCulture), r.EndTime.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s");
        }
        return table;
    }


    /// <summary>NAME-seedN, with every character of the scenario's name that is not a letter, digit, '.', '-' or '_' replaced by '_' (the name is the user's).</summary>
    private static string DefaultFolderName(Scenario scenario)
    {
        var name = new System.Text.StringBuilder();
        foreach (char c in scenario.Name) name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || (c == '.' && name.Length > 0) ? c : '_');
        return $"{(name.Length == 0 ? "run" : name.ToString())}-seed{scenario.Seed}";
    }

    private static string Num(double v) => double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : Markup.Escape(v.ToString(CultureInfo.InvariantCulture));

}
