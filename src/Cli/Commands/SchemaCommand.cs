using System.CommandLine;
using Newtonsoft.Json;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;

namespace SimByz.Cli.Commands;

/// <summary><c>simbyz schema [--out DIR]</c>: writes the JSON Schemas of scenario files (<c>scenario.schema.json</c>) and
/// sweep grids (<c>sweep-grid.schema.json</c>), made from the field table behind <c>simbyz list fields</c>.</summary>
/// <remarks>Reference one from a file with <c>"$schema": "PATH/scenario.schema.json"</c>; SimByz ignores that field.</remarks>
internal static class SchemaCommand
{
    public const string ScenarioFile = "scenario.schema.json", GridFile = "sweep-grid.schema.json";

    public static Command Create(TextWriter output)
    {
        var outOption = new Option<string>("--out") { Description = "Folder to write the schemas into.", DefaultValueFactory = _ => "schemas" };
        var command = new Command("schema", "Write JSON Schemas of scenario and sweep-grid files, for editors to complete and check them." + CommandExamples.Format(
            "simbyz schema --out schemas",
            "then in a scenario file: \"$schema\": \"schemas/scenario.schema.json\""))
        {
            outOption,
        };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(outOption) ?? "schemas";
            using var files = new AtomicOutput(dir);
            files.WriteAllText(ScenarioFile, ScenarioSchema());
            files.WriteAllText(GridFile, GridSchema());
            files.Commit();
            output.WriteLine($"wrote {Path.Combine(dir, ScenarioFile)}, {GridFile}");
            return 0;
        });
        return command;
    }

    internal static string ScenarioSchema() => FieldSchema.Build(ScenarioFields.Scenario, "https://simbyz.dev/schemas/" + ScenarioFile, "SimByz scenario",
        "A SimByz scenario (docs/SCENARIOS.md): task, workers, Byzantine workers, protocol, optimizer, defences, budget, evaluation.").ToString(Formatting.Indented) + "\n";

    internal static string GridSchema() => FieldSchema.Build(ScenarioFields.Grid, "https://simbyz.dev/schemas/" + GridFile, "SimByz sweep grid",
        "A SimByz sweep grid (docs/SWEEPS.md): a base scenario, overrides, and axes whose product is the set of runs.").ToString(Formatting.Indented) + "\n";
}
