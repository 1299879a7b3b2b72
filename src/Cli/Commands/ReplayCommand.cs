using SimByz.Aggregation;
using System.CommandLine;
using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Cli.Composition;
using SimByz.Cli.Progress;
using SimByz.Gpu.Composition;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;

namespace SimByz.Cli.Commands;

/// <summary>
/// <c>simbyz replay TRACE [--out DIR] [--aggregator SPEC] [--attack SPEC] [--messages] [--from DEFENCE] [--buffer M]</c>
/// (docs/TRACE_FORMAT.md, Replay). Without options: exact replay — checks the trace, re-runs its scenario
/// and compares every record; prints OK and exits 0, or the first divergence and exits 1. A malformed
/// or edited trace exits 2 naming the line. <c>--aggregator</c>/<c>--attack</c>: counterfactual re-run with
/// another defence or attack under the recorded timing. <c>--messages</c>: the recorded payloads through
/// another rule, round by round, without re-training.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(TextWriter output, TextWriter? error = null)
    {
        error ??= Console.Error;
        var traceArgument = new Argument<string>("TRACE") { Description = "A trace.jsonl written by `simbyz run`." };
        var outOption = new Option<string?>("--out") { Description = "Write the replay's files here (exact: the re-run's trace/metrics; counterfactual: metrics, comparison; --messages: messages.csv)." };
        var aggregatorOption = new Option<string?>("--aggregator") { Description = "Counterfactual: re-run (or with --messages, replay the payloads) with this defence spec." };
        var attackOption = new Option<string?>("--attack") { Description = "Counterfactual: re-run with this gradient attack spec (\"none\" or \"honest\": Byzantine workers behave honestly)." };
        var messagesOption = new Option<bool>("--messages") { Description = "Feed the recorded payloads (needs --record-payloads) to --aggregator round by round, without re-training." };
        var fromOption = new Option<string?>("--from") { Description = "--messages: the recorded defence whose rounds are replayed (default: the first)." };
        var bufferOption = new Option<int?>("--buffer") { Description = "--messages on async traces: messages per aggregation (default protocol.asyncBuffer, else the worker count)." };
        var backendOption = new Option<string?>("--backend") { Description = "cpu (managed rules) or torch (their tensor twins). Default: the backend the trace was recorded on (--messages: cpu)." };
        var deviceOption = new Option<string?>("--device") { Description = "Torch device: auto (CUDA when available), cpu or cuda. Default: the device kind the trace recorded, else auto." };
        var threadsOption = ThreadsOption.Create("Defences re-run in parallel on this many threads (results do not depend on it).");
        var quietOption = new Option<bool>("--quiet") { Description = "No progress display (progress goes to stderr: bars on a terminal, else a line every 10 s)." };
        var pluginOption = CliComposition.PluginOption();
        var maxMemoryOption = RunCommand.MaxMemoryOption();
        var command = new Command("replay", "Replay a trace: exactly (verify every record), or counterfactually with another defence, attack, or the recorded messages." + CommandExamples.Format(
            "simbyz replay runs/default-seed1/trace.jsonl",
            "simbyz replay runs/default-seed1/trace.jsonl --aggregator median --out runs/cf-median",
            "simbyz replay runs/demo/trace.jsonl --messages --aggregator krum:f=4   (needs run --record-payloads)"))
        {
            traceArgument, outOption, aggregatorOption, attackOption, messagesOption, fromOption, bufferOption, threadsOption, backendOption, deviceOption, quietOption, pluginOption, maxMemoryOption,
        };
        command.SetAction(parse =>
        {
            ProgressDisplay.CheckIntervalVariable();
            int buffer = Buffer(parse.GetValue(bufferOption));
            string path = parse.GetValue(traceArgument)!;
            var doc = TraceDocument.Load(path);
            string? outDir = parse.GetValue(outOption);
            int threads = ThreadsOption.Parse(parse.GetValue(threadsOption));
            string? aggregator = parse.GetValue(aggregatorOption);
            string? attack = parse.GetValue(attackOption);
            // A trace of a run on torch (a TorchSharp model, or `run --backend torch`) records its device. A re-run goes
            // where the recorded run went unless told otherwise: the same device kind, and the torch backend when the
            // model is a managed one (then only the defences can have used torch).
            string? recordedDevice = doc.Header.Value<string>("device");
            string? recordedKind = RecordedDeviceKind(recordedDevice);
            bool torchModel = TorchComponents.IsTorchModel(doc.Scenario.Task.Model.Split(':')[0].Trim());
            string backend = parse.GetValue(backendOption)
                ?? (recordedKind is not null && !torchModel && !parse.GetValue(messagesOption) ? "torch" : "cpu");
            if (backend is not ("cpu" or "torch")) throw new SimByzException($"--backend '{backend}' is unknown (allowed: cpu, torch)");
            string deviceChoice = parse.GetValue(deviceOption) ?? recordedKind?["torch:".Length..] ?? "auto";
            var composition = Compose(doc, parse.GetValue(pluginOption), deviceChoice, backend == "torch");
            // A run of a TorchSharp model (cnn, zeno-cnn, torch-mlp) re-runs on the chosen device.
            string? torchDevice = composition.TorchDeviceFor(doc.Scenario);
            if (torchDevice is not null) output.WriteLine($"backend: {torchDevice}");
            if (parse.GetValue(messagesOption))
            {
                if (aggregator is null) throw new SimByzException("--messages needs --aggregator SPEC: the rule to feed the recorded messages to");
                if (attack is not null) throw new SimByzException("--messages replays recorded payloads: --attack cannot change them (use --attack without --messages)");
                if (composition.Root.Backend.Device is { } device) output.WriteLine($"backend: {device}");
                return Messages(doc, path, aggregator, parse.GetValue(fromOption), buffer, outDir, output, composition.Root);
            }
            // A re-run holds what the recorded run held: refused before it starts if that cannot fit. Both kinds of re-run
            // stream their trace to disk and compare it with the recorded one from the files, one line at a time, so
            // neither trace's size counts.
            MemoryEstimate.Of(doc.Scenario, composition.Root, trace: true, payloads: doc.HasPayloads)
                .EnsureWithin(MemoryLimit.FromOption(parse.GetValue(maxMemoryOption)));
            var progress = ProgressDisplay.For(error, parse.GetValue(quietOption));
            if (aggregator is not null || attack is not null) return Counterfactual(doc, aggregator, attack, threads, outDir, output, composition.Root, progress);
            // The header records how the device was chosen ("requested", "auto; CUDA not available", the libtorch
            // version); like the SimByz version, the re-run writes the recorded description when it runs on the same
            // kind of device with the same libtorch, so that only behaviour is compared. Another device kind or
            // libtorch diverges at the header's device field.
            string? rerunDevice = torchDevice ?? composition.Root.Backend.Device;
            if (rerunDevice is not null && DeviceIdentity(rerunDevice) == DeviceIdentity(recordedDevice)) rerunDevice = recordedDevice;
            if (rerunDevice is not null && torchDevice is null) output.WriteLine($"backend: {composition.Root.Backend.Device}");
            return Exact(doc, threads, outDir, output, composition.Root, rerunDevice, progress);
        });
        return command;
    }

    /// <summary>
    /// The composition a replay needs: <c>--plugin</c> first, then each plug-in the trace recorded (from its
    /// recorded path) unless the same build is already loaded; then every recorded plug-in must be loaded
    /// in the same build (same SHA-256), else one message says which differs.
    /// </summary>
    private static CliComposition Compose(TraceDocument doc, string[]? plugins, string device, bool torchBackend)
    {
        var composition = CliComposition.Create(plugins, device, torchBackend);
        var recorded = doc.Plugins;
        // A recorded path is loaded only when it holds a recorded build that --plugin did not already give;
        // a file there of another build is left out, and the check below names the difference.
        var toLoad = new List<string>();
        foreach (string path in doc.Scenario.Plugins)
        {
            if (!File.Exists(path)) continue;
            string sha = PluginLoader.Sha256Of(path);
            bool wanted = recorded.Count == 0 || recorded.Any(r => r.Origin.Sha256 == sha);
            if (wanted && !composition.Root.Plugins.Any(l => l.Origin.Sha256 == sha)) toLoad.Add(path);
        }
        var withScenario = composition.WithScenarioPlugins(doc.Scenario with { Plugins = toLoad });
        PluginInfo.RequireSameBuilds(recorded, withScenario.Root.Plugins, $"trace '{doc.Source}'");
        return withScenario;
    }

    /// <summary>"torch:cpu" of a recorded device description such as "torch:cpu (requested; libtorch 2.10.0.0)".</summary>
    private static string? RecordedDeviceKind(string? description)
    {
        if (description is null) return null;
        int space = description.IndexOf(' ', StringComparison.Ordinal);
        string kind = space < 0 ? description : description[..space];
        return kind is "torch:cpu" or "torch:cuda" ? kind : null;
    }

    /// <summary>What a re-run must share with the recorded run to write its device description: the device kind and
    /// the libtorch version ("torch:cpu|libtorch 2.10.0.0"); how the device was chosen does not count.</summary>
    private static string? DeviceIdentity(string? description)
    {
        if (RecordedDeviceKind(description) is not { } kind) return null;
        int at = description!.IndexOf("libtorch ", StringComparison.Ordinal);
        if (at < 0) return kind;
        int end = description.IndexOfAny([';', ')'], at);
        return kind + "|" + (end < 0 ? description[at..] : description[at..end]);
    }

    private static int Exact(TraceDocument doc, int threads, string? outDir, TextWriter output, CompositionRoot composition, string? torchDevice, ProgressDisplay progress)
    {
        string recordedVersion = doc.Header.Value<string>("simbyz") ?? "";
        // Taken before the re-run: an unusable --out is reported at once, not after it.
        using var files = outDir is null ? null : new AtomicOutput(outDir);
        using var cancellation = new ConsoleCancellation();
        // The re-run streams its trace to disk (the output folder, else a scratch folder removed at the end) and is compared
        // from there with the recorded trace, both read line by line.
        using var scratch = files is null ? AtomicOutput.CreateNew(Path.Combine(Path.GetTempPath(), $"simbyz-replay-{Environment.ProcessId}")) : null;
        var target = files ?? scratch!;
        var setup = composition.Resolve(doc.Scenario);
        // The header records the SimByz that wrote it; the re-run writes the same so that only behaviour is compared.
        IReadOnlyList<Simulator.Engine.RunResult> results;
        try
        {
            results = progress.Run(() =>
            {
                var report = progress.Start("replay " + doc.Scenario.Name, doc.Scenario);
                try
                {
                    return TracedExperiment.RunInto(target, doc.Scenario, setup, recordedVersion, trace: true, recordPayloads: doc.HasPayloads, maxThreads: threads,
                        progress: report, cancellation: cancellation.Token, device: torchDevice);
                }
                finally
                {
                    progress.Finish();
                }
            });
        }
        catch (OperationCanceledException)
        {
            output.WriteLine("cancelled: no output written");
            return cancellation.ExitCode;
        }
        TraceDivergence? divergence;
        using (var fresh = target.OpenText(TraceContent.FileName))
        {
            divergence = TraceComparison.FirstDivergence(doc, ReadLines(fresh));
        }
        if (!doc.HashMatches)
        {
            // Only an edit breaks the hash; the re-run shows which line.
            string where = divergence is null || divergence.Line == doc.LineCount
                ? $"line {doc.LineCount}: the end record's hash was edited"
                : $"line {divergence.Line}: this record was edited ({divergence})";
            throw new SimByzException($"trace '{doc.Source}' {where}; the whole-trace hash does not match");
        }
        if (files is not null)
        {
            ExperimentRunner.WriteSummary(files, doc.Scenario, results, recordedVersion, setup.Plugins);
            files.Commit();
        }
        if (recordedVersion != VersionCommand.SimByzVersion)
        {
            output.WriteLine($"note: trace written by SimByz {recordedVersion}, replayed with {VersionCommand.SimByzVersion}");
        }
        if (divergence is not null)
        {
            output.WriteLine($"DIVERGED at {divergence}");
            return 1;
        }
        output.WriteLine($"OK: {doc.LineCount.ToString(CultureInfo.InvariantCulture)} records compared, {doc.Sections.Count} defence(s), every record identical");
        return 0;
    }

    private static IEnumerable<string> ReadLines(TextReader reader)
    {
        while (reader.ReadLine() is { } line) yield return line;
    }

    private static int Counterfactual(TraceDocument doc, string? aggregator, string? attack, int threads, string? outDir, TextWriter output, CompositionRoot composition,
        ProgressDisplay progress)
    {
        doc.RequireHash();
        string dir = outDir ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(doc.Source))!, "counterfactual");
        using var files = new AtomicOutput(dir);
        using var cancellation = new ConsoleCancellation();
        if (aggregator is not null) composition.Resolve(doc.Scenario).Defences.Check(aggregator);
        CounterfactualResult result;
        try
        {
            var shown = doc.Scenario with { Defences = aggregator is null ? doc.Scenario.Defences : [aggregator] };
            result = progress.Run(() =>
            {
                var report = progress.Start("counterfactual " + doc.Scenario.Name, shown);
                try
                {
                    return CounterfactualReplay.Run(doc, files, aggregator, attack, VersionCommand.SimByzVersion, threads, cancellation.Token, composition: composition, progress: report);
                }
                finally
                {
                    progress.Finish();
                }
            });
        }
        catch (OperationCanceledException)
        {
            output.WriteLine("cancelled: no output written");
            return cancellation.ExitCode;
        }
        // metrics.csv and trace.jsonl were written by the re-run as it went.
        ExperimentRunner.WriteSummary(files, result.Scenario, result.Results, VersionCommand.SimByzVersion, composition.Plugins);
        files.WriteAllText("comparison.csv", CounterfactualReplay.ComparisonCsv(result.Comparison));
        files.Commit();
        output.WriteLine($"counterfactual: defence {string.Join(", ", result.Scenario.Defences)}, attack {result.Scenario.Byzantine.Attack ?? "none"}");
        output.WriteLine(result.TimingMismatch is null
            ? $"timing: {result.ArrivalsCompared} arrivals identical to the recorded run (time, message, worker)"
            : $"timing: differs after {result.ArrivalsCompared} arrivals: {result.TimingMismatch}");
        output.WriteLine($"{"defence",-28} {"source",-15} {"step",6} {"test acc",9} {"test loss",10} {"byz applied/rejected/dropped",30}");
        foreach (var r in result.Comparison)
        {
            output.WriteLine($"{r.Defence,-28} {r.Source,-15} {r.Step,6} {NumberText.Percent(r.TestAccuracy),9} {r.TestLoss.ToString("0.0000", CultureInfo.InvariantCulture),10} {$"{r.ByzantineApplied}/{r.ByzantineRejected}/{r.ByzantineDropped}",30}");
        }
        output.WriteLine($"wrote {Path.Combine(dir, "comparison.csv")}, metrics.csv, summary.json, trace.jsonl");
        return 0;
    }

    /// <summary><c>--buffer M</c>: null when not given (0 then asks for the protocol's default), else at least 1; a count below
    /// 1 used to be taken silently as the default.</summary>
    private static int Buffer(int? given) => given switch
    {
        null => 0,
        >= 1 => given.Value,
        _ => throw new SimByzException($"--buffer {given.Value.ToString(CultureInfo.InvariantCulture)}: expected at least 1 (messages per aggregation)"),
    };

    private static int Messages(TraceDocument doc, string path, string aggregator, string? from, int buffer, string? outDir, TextWriter output,
        CompositionRoot composition)
    {
        doc.RequireHash();
        if (!doc.HasPayloads) throw new SimByzException($"trace '{doc.Source}' line 1: recorded without payloads; --messages needs `simbyz run --record-payloads`");
        string dir = outDir ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(doc.Source))!, "messages");
        using var files = new AtomicOutput(dir);
        var section = from is null ? doc.Sections[0] : doc.Sections.FirstOrDefault(s => s.Defence == from)
            ?? throw new SimByzException($"--from '{from}': the trace has defences {string.Join(", ", doc.Sections.Select(s => "'" + s.Defence + "'"))}");
        using var sidecar = PayloadSidecar.Load(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Rows go to messages.csv as the trace is read: only the sums stay in memory.
        long rounds = 0, byzInputs = 0, letIn = 0, recordedApplied = 0, finite = 0;
        double distanceSum = 0;
        using (var csv = files.CreateText("messages.csv"))
        {
            csv.Write(MessageReplay.CsvHeader);
            csv.Write('\n');
            var line = new System.Text.StringBuilder();
            foreach (var r in MessageReplay.Stream(doc, sidecar, section, aggregator, buffer, composition))
            {
                csv.Write(MessageReplay.AppendCsvLine(line.Clear(), r));
                rounds++;
                byzInputs += r.Byzantine.Count(b => b);
                letIn += r.ByzantineLetIn.Count;
                recordedApplied += r.RecordedByzantineApplied;
                if (double.IsFinite(r.DistanceToHonestMean))
                {
                    distanceSum += r.DistanceToHonestMean;
                    finite++;
                }
            }
        }
        if (rounds == 0)
        {
            // Nothing was replayed: an error, not an empty table and a NaN (the output folder is not committed).
            if (doc.Scenario.Protocol.Kind != Simulator.Engine.ProtocolKind.Async)
            {
                throw new SimByzException($"no round to replay: '{section.Defence}' recorded no aggregation in this trace");
            }
            int m = MessageReplay.BufferSize(doc.Scenario, buffer);
            throw new SimByzException(buffer > 0
                ? $"--buffer {buffer.ToString(CultureInfo.InvariantCulture)}: '{section.Defence}' received fewer messages than that, so there is no round to replay"
                : $"no round to replay: '{section.Defence}' received fewer messages than one buffer of {m.ToString(CultureInfo.InvariantCulture)} (this trace's default; --buffer sets another)");
        }
        double meanDistance = finite > 0 ? distanceSum / finite : double.NaN;
        var summary = new JObject(
            new JProperty("trace", doc.Source),
            new JProperty("recordedDefence", section.Defence),
            new JProperty("rule", aggregator),
            new JProperty("rounds", rounds),
            new JProperty("byzantineInputs", byzInputs),
            new JProperty("byzantineLetIn", letIn),
            new JProperty("recordedByzantineApplied", recordedApplied),
            new JProperty("meanDistanceToHonestMean", double.IsFinite(meanDistance) ? meanDistance : null));
        files.WriteAllText("messages-summary.json", summary.ToString(Formatting.Indented) + "\n");
        files.Commit();
        output.WriteLine($"replayed {rounds} rounds of '{section.Defence}' through '{aggregator}': " +
            $"{letIn}/{byzInputs} Byzantine messages let in (recorded defence applied {recordedApplied}), " +
            $"mean distance to the honest mean {meanDistance.ToString("0.######", CultureInfo.InvariantCulture)}");
        output.WriteLine($"wrote {Path.Combine(dir, "messages.csv")}, messages-summary.json");
        return 0;
    }

}
