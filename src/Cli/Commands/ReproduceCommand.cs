using System.CommandLine;
using SimByz.Cli.Composition;
using SimByz.Cli.Plotting;
using SimByz.Cli.Progress;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Output;
using SimByz.Simulator.Reproductions;

namespace SimByz.Cli.Commands;

/// <summary>
/// <c>simbyz reproduce NAME|all [--quick] [--model mlp|cnn] [--seed N] [--out DIR] [--threads N] [--device auto|cpu|cuda]</c>:
/// runs a reproduction of the library's <see cref="ReproductionCatalog"/> and writes NAME.md, its
/// figures (PNG) and the CSV behind each figure into the output folder, atomically (one folder per
/// reproduction; <c>all</c> writes one sub-folder each).
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create(TextWriter output, TextWriter? error = null)
    {
        error ??= Console.Error;
        var name = new Argument<string>("name") { Description = "Reproduction to run: " + string.Join(", ", ReproductionCatalog.Names) + ", or all." };
        var quick = new Option<bool>("--quick") { Description = "Reduced version (fewer steps, a Fashion-MNIST subset): seconds instead of minutes." };
        var model = new Option<string>("--model") { Description = "mlp (managed MLP, 64 hidden units; default) or cnn (TorchSharp CNN).", DefaultValueFactory = _ => "mlp" };
        var seed = new Option<ulong>("--seed") { Description = "Root seed.", DefaultValueFactory = _ => 1 };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: results/NAME, or results/ for all)." };
        var threads = ThreadsOption.Create("Defences run in parallel on this many threads (results do not depend on it).");
        var device = new Option<string>("--device") { Description = "Device for --model cnn: auto (CUDA when available), cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress display (progress goes to stderr: bars on a terminal, else a line every 10 s)." };
        var xAxis = XAxisOption.Create();
        var plugins = CliComposition.PluginOption();
        var maxMemory = RunCommand.MaxMemoryOption();
        maxMemory.Description = "Refuse to start a reproduction estimated to need more memory than this, e.g. 8GB (default: the memory available).";
        var command = new Command("reproduce", "Reproduce a published experiment (figures as PNG and SVG, CSV, Markdown table); `simbyz list reproductions` lists them." + CommandExamples.Format(
            "simbyz reproduce toy-median --out results/toy",
            "simbyz reproduce zenopp-async --quick --x-axis messages",
            "simbyz reproduce all --out docs/results"))
        {
            name, quick, model, seed, outDir, threads, device, quiet, xAxis, plugins, maxMemory,
        };
        command.SetAction(parse =>
        {
            ProgressDisplay.CheckIntervalVariable();
            string which = parse.GetValue(name) ?? "";
            var reproductions = ReproductionCatalog.Resolve(which);
            string modelChoice = parse.GetValue(model) ?? "mlp";
            string modelSpec = modelChoice switch
            {
                "mlp" => ReproductionOptions.DefaultModel,
                "cnn" => "cnn",
                _ => throw new SimByzException($"--model '{modelChoice}': expected mlp or cnn"),
            };
            var composition = CliComposition.Create(parse.GetValue(plugins), parse.GetValue(device) ?? "auto");
            string? torchDevice = modelChoice == "cnn" ? composition.Device.Description : null;
            bool isQuick = parse.GetValue(quick);
            ulong seedValue = parse.GetValue(seed);
            string commandLine = "simbyz reproduce " + which + (isQuick ? " --quick" : "") + (modelChoice == "mlp" ? "" : " --model " + modelChoice)
                                 + (seedValue == 1 ? "" : " --seed " + seedValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var axis = XAxisOption.Parse(parse.GetValue(xAxis));
            if (axis is { } chosen) commandLine += " --x-axis " + chosen.ToString().ToLowerInvariant();
            var progress = ProgressDisplay.For(error, parse.GetValue(quiet));
            var options = new ReproductionOptions(isQuick, modelSpec, seedValue, ThreadsOption.Parse(parse.GetValue(threads)), commandLine) { Composition = composition.Root, Progress = progress };
            // Before any output is taken or data loaded: each reproduction (they run one after the other) must fit.
            var limit = MemoryLimit.FromOption(parse.GetValue(maxMemory));
            foreach (var reproduction in reproductions)
            {
                (reproduction.Memory(options) ?? MemoryEstimate.OfReproduction(reproduction.Scenarios(options), composition.Root)).EnsureWithin(limit, $"reproduction {reproduction.Name}{(isQuick ? " --quick" : "")}",
                    advice: isQuick ? "raise the limit with --max-memory" : "try --quick, or raise the limit with --max-memory");
            }
            string root = parse.GetValue(outDir) ?? (which == ReproductionCatalog.All ? "results" : Path.Combine("results", which));
            return progress.Run(() => Execute(reproductions, options, root, which == ReproductionCatalog.All, output, torchDevice, axis));
        });
        return command;
    }

    private static int Execute(IReadOnlyList<IReproduction> reproductions, ReproductionOptions options, string root, bool subFolders, TextWriter output, string? torchDevice,
        FigureXAxis? xAxis)
    {
        if (torchDevice is not null) output.WriteLine($"backend: {torchDevice}");
        // Before hours of work: every output folder is taken (usable, and no other process writing it).
        var outputs = new List<AtomicOutput>();
        try
        {
            foreach (var reproduction in reproductions)
            {
                string name = reproduction.Name;
                outputs.Add(new AtomicOutput(subFolders ? Path.Combine(root, name) : root, entry => IsOwnFile(entry, name)));
            }
            using var cancellation = new ConsoleCancellation();
            try
            {
                for (int i = 0; i < reproductions.Count; i++)
                {
                    var reproduction = reproductions[i];
                    var files = outputs[i];
                    output.WriteLine($"reproduce {reproduction.Name}{(options.Quick ? " (quick)" : "")}: {reproduction.Summary}");
                    var result = reproduction.Run(options, line => output.WriteLine("  " + line), cancellation.Token);
                    cancellation.Token.ThrowIfCancellationRequested();
                    Write(result, reproduction.Name, files, xAxis);
                    output.WriteLine($"  wrote {Path.Combine(files.Directory, reproduction.Name + ".md")}, {result.Figures.Count} figure(s) (PNG and SVG), {result.Files.Count(f => f.Name.EndsWith(".csv", StringComparison.Ordinal))} CSV file(s)");
                }
                return 0;
            }
            catch (OperationCanceledException)
            {
                output.WriteLine("cancelled: the reproduction in progress wrote nothing");
                return cancellation.ExitCode;
            }
        }
        finally
        {
            foreach (var files in outputs) files.Dispose();
        }
    }

    /// <summary>Whether <paramref name="entry"/> is a file reproduction <paramref name="name"/> writes (NAME.md, NAME-*.csv, …).</summary>
    private static bool IsOwnFile(string entry, string name)
        => entry.StartsWith(name + ".", StringComparison.Ordinal) || entry.StartsWith(name + "-", StringComparison.Ordinal);

    /// <summary>Writes a reproduction's page, files and figures into <paramref name="files"/> and commits them, all or nothing.</summary>
    internal static void Write(ReproductionOutput result, string name, AtomicOutput files, FigureXAxis? xAxis = null)
    {
        files.WriteAllText(name + ".md", result.Markdown);
        foreach (var file in result.Files) files.WriteAllText(file.Name, file.Text);
        foreach (var figure in result.Figures)
        {
            string path = files.ReservePath(figure.File);
            string svg = files.ReservePath(Path.ChangeExtension(figure.File, ".svg"));
            switch (figure)
            {
                case TrainingFigure t:
                    RunPlots.Save(t.Results, t.Title, t.Subtitle, xAxis ?? t.XAxis, path, svg);
                    break;
                case ChartFigure c:
                    ChartPlots.Save(c, path, svg);
                    break;
                default:
                    throw new InvalidOperationException($"no renderer for figure type {figure.GetType().Name}");
            }
        }
        files.Commit();
    }
}
