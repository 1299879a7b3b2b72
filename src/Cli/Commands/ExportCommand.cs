using System.CommandLine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Traces;

namespace SimByz.Cli.Commands;

/// <summary><c>simbyz export perfetto TRACE [-o FILE]</c>: Chrome trace-event JSON for Perfetto (docs/TRACE_FORMAT.md).</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output)
    {
        var traceArgument = new Argument<string>("TRACE") { Description = "A trace.jsonl written by `simbyz run`." };
        var outOption = new Option<string?>("--output", "-o") { Description = "The JSON file to write (default: TRACE with .perfetto.json)." };
        var perfetto = new Command("perfetto", "Chrome trace-event JSON (open in ui.perfetto.dev): worker compute slices, server track, messages as flows." + CommandExamples.Format(
            "simbyz export perfetto runs/default-seed1/trace.jsonl -o trace.json",
            "simbyz export perfetto traces/golden-async.jsonl"))
        {
            traceArgument, outOption,
        };
        perfetto.SetAction(parse =>
        {
            string path = parse.GetValue(traceArgument)!;
            // The output file is taken first: a bad -o is reported before the trace is read.
            using var file = new AtomicFile(parse.GetValue(outOption) ?? Path.ChangeExtension(path, ".perfetto.json"));
            var doc = TraceDocument.Load(path);
            doc.RequireHash();
            using (var w = file.CreateText())
            {
                PerfettoExport.Write(doc, w);
            }
            file.Commit();
            output.WriteLine($"wrote {file.FullPath} ({doc.Sections.Count} defence(s); open it in https://ui.perfetto.dev)");
            return 0;
        });
        return new Command("export", "Export a trace to another format." + CommandExamples.Format(
            "simbyz export perfetto runs/default-seed1/trace.jsonl -o trace.json",
            "simbyz export perfetto traces/golden-async.jsonl")) { perfetto };
    }
}
