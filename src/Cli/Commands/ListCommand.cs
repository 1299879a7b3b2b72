using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SimByz.Cli.Composition;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Data.Partitioning;
using SimByz.Simulator.Scenarios;
using SimByz.Specs;

namespace SimByz.Cli.Commands;

/// <summary>
/// <c>simbyz list [CATEGORY] [--json] [--plugin PATH.dll]</c>: every catalogued component (built-in and plug-in) (name, summary, source,
/// tolerance, parameters with type, default and meaning), grouped in sections, as plain text or JSON.
/// </summary>
/// <remarks>
/// <para>Each section is one line of <see cref="Sections"/>: a category (what the user types), a
/// title, and the catalogue it shows. A new kind of component (attacks, delay models,
/// scenarios) is listed by adding one line there; the category becomes valid with it.</para>
/// <para>Output is plain text always (stable, pipe-friendly, identical in a terminal and in a
/// file); <c>--json</c> gives <c>[{"category", "title", "components": [{"name", "summary",
/// "source", "tolerance", ["tensorTwin",] "origin", "parameters": [{"name", "type", "default", "description"}]}]}]</c>.
/// Order is the catalogues' fixed order (built-ins, then plug-ins in loading order).</para>
/// </remarks>
internal static class ListCommand
{
    /// <summary>One listed component: its info, where it comes from, and (aggregation rules,
    /// pre-aggregators and asynchronous rules) whether it has a tensor twin on the torch backend.</summary>
    internal sealed record Listed(ComponentInfo Info, ComponentOrigin Origin, bool? HasTwin = null);

    /// <summary>One section of the listing.</summary>
    internal sealed record Section(string Category, string Title, Func<ComponentCatalogs, IReadOnlyList<Listed>> Components);

    internal static readonly IReadOnlyList<Section> Sections =
    [
        new("aggregators", "Aggregation rules", c => WithTwins(c.Aggregators.Rules)),
        new("aggregators", "Pre-aggregators (chain in front of a rule: pre+rule)", c => WithTwins(c.Aggregators.PreAggregators)),
        new("aggregators", "Asynchronous rules", c => WithTwins(c.Aggregators.AsyncRules)),
        new("attacks", "Gradient attacks (byzantine.attack)", c => Of(c.Attacks.Gradient)),
        new("attacks", "Data attacks (byzantine.dataAttack)", c => Of(c.Attacks.Data)),
        new("attacks", "Asynchronous behaviours (byzantine.behaviour, chain with +)", c => Of(c.Attacks.AsyncBehaviours)),
        new("delays", "Delay models (workers.compute, workers.network; wrappers chain with +)", c => Of(c.Delays)),
        new("tasks", "Data sources (task.data)", c => Of(c.DataSources)),
        new("tasks", "Models (task.model)", c => Of(c.Models)),
        new("tasks", "Partitions (task.partition)", _ => BuiltIn(PartitionSpec.Schemes)),
        new("scenarios", "Built-in scenarios (simbyz run --scenario NAME)", _ => BuiltIn(BuiltinScenarios())),
        new("reproductions", "Reproductions (simbyz reproduce NAME [--quick])", _ => BuiltIn(Reproductions())),
    ];

    private static List<Listed> Of<TContext, T>(ComponentCatalog<TContext, T> catalog) => catalog.Entries.Select(e => new Listed(e.Info, e.Origin)).ToList();

    private static List<Listed> WithTwins<TContext, T>(ComponentCatalog<TContext, T> catalog) => catalog.Entries.Select(e => new Listed(e.Info, e.Origin, e.Twin is not null)).ToList();

    private static List<Listed> BuiltIn(IReadOnlyList<ComponentInfo> infos) => infos.Select(i => new Listed(i, ComponentOrigin.BuiltIn)).ToList();

    private static IReadOnlyList<ComponentInfo> Reproductions() => SimByz.Simulator.Reproductions.ReproductionCatalog.Reproductions
        .Select(r => new ComponentInfo(r.Name, r.Summary, r.Follows, r.Trains ? "trains on Fashion-MNIST (--model mlp|cnn)" : "no training", []))
        .ToList();

    private static IReadOnlyList<ComponentInfo> BuiltinScenarios() => ScenarioLoader.BuiltinNames
        .Select(name =>
        {
            var s = ScenarioLoader.Load(name);
            string protocol = s.Protocol.Kind == SimByz.Simulator.Engine.ProtocolKind.Sync ? "sync" : "async";
            return new ComponentInfo(name, s.Description, $"{s.Workers.Count} workers, {s.Byzantine.Count} Byzantine ({s.Byzantine.Attack ?? s.Byzantine.DataAttack ?? "none"}), {protocol}, {s.Budget.Steps} steps",
                "defences: " + string.Join(" ", s.Defences), []);
        })
        .ToList();

    public static Command Create(TextWriter output)
    {
        var category = new Argument<string?>("category")
        {
            Description = "What to list: " + string.Join(", ", Categories()) + " (default: all).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON output." };
        var plugins = CliComposition.PluginOption();
        var command = new Command("list", "List the catalogued components (built-in and plug-in) with their parameters and defaults, or the fields of scenario and grid files." + CommandExamples.Format(
            "simbyz list aggregators",
            "simbyz list fields            (every scenario and sweep-grid field: type, range, default, meaning)",
            "simbyz list attacks --json"));
        command.Arguments.Add(category);
        command.Options.Add(json);
        command.Options.Add(plugins);
        command.SetAction(parse =>
        {
            Run(parse.GetValue(category), parse.GetValue(json), output, CliComposition.Create(parse.GetValue(plugins)).Root.Catalogs);
            return 0;
        });
        return command;
    }

    internal static void Run(string? category, bool json, TextWriter output, ComponentCatalogs? catalogs = null)
    {
        if (category == FieldsCategory)
        {
            if (json) WriteFieldsJson(output);
            else WriteFieldsText(output);
            return;
        }
        catalogs ??= CliComposition.Create([]).Root.Catalogs;
        var chosen = new List<Section>();
        foreach (var section in Sections)
        {
            if (category is null || section.Category == category) chosen.Add(section);
        }
        if (chosen.Count == 0)
        {
            throw new SimByzException($"list: unknown category '{category}' (known: {string.Join(", ", Categories())})");
        }
        if (json) WriteJson(chosen, catalogs, output);
        else WriteText(chosen, catalogs, output);
    }

    /// <summary>The category that lists scenario and sweep-grid fields (from <see cref="ScenarioFields"/>) rather than components.</summary>
    internal const string FieldsCategory = "fields";

    private static void WriteFieldsText(TextWriter output)
    {
        var text = new StringBuilder();
        foreach (var (title, fields) in new[] { ("Scenario fields (simbyz run --scenario FILE, --set key.path=value)", ScenarioFields.Scenario), ("Sweep-grid fields (simbyz sweep GRID)", ScenarioFields.Grid) })
        {
            text.Append(title).Append(" [fields]\n");
            int pathWidth = fields.Max(f => f.Path.Length), typeWidth = fields.Max(f => f.Type.Length);
            foreach (var f in fields)
            {
                text.Append("  ").Append(f.Path.PadRight(pathWidth)).Append("  ").Append(f.Type.PadRight(typeWidth)).Append("  default ").Append(f.Default).Append('\n');
                text.Append("      ").Append(f.Meaning);
                if (f.Choices is { } choices) text.Append(" (one of: ").Append(string.Join(", ", choices)).Append(')');
                if (f.Range.Length > 0) text.Append("; allowed: ").Append(f.Range);
                text.Append('\n');
            }
            text.Append('\n');
        }
        output.Write(text.ToString());
    }

    private static void WriteFieldsJson(TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var (kind, fields) in new[] { ("scenario", ScenarioFields.Scenario), ("grid", ScenarioFields.Grid) })
            {
                foreach (var f in fields)
                {
                    json.WriteStartObject();
                    json.WriteString("file", kind);
                    json.WriteString("path", f.Path);
                    json.WriteString("type", f.Type);
                    json.WriteString("range", f.Range);
                    json.WriteString("default", f.Default);
                    json.WriteString("description", f.Meaning);
                    if (f.Choices is { } choices)
                    {
                        json.WriteStartArray("choices");
                        foreach (string c in choices) json.WriteStringValue(c);
                        json.WriteEndArray();
                    }
                    json.WriteEndObject();
                }
            }
            json.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static List<string> Categories()
    {
        var names = new List<string>();
        foreach (var section in Sections)
        {
            if (!names.Contains(section.Category)) names.Add(section.Category);
        }
        names.Add(FieldsCategory);
        return names;
    }

    private static void WriteText(List<Section> sections, ComponentCatalogs catalogs, TextWriter output)
    {
        var text = new StringBuilder();
        foreach (var section in sections)
        {
            var components = section.Components(catalogs);
            text.Append(section.Title).Append(" [").Append(section.Category).Append(']').Append('\n');
            if (components.Count == 0) text.Append("  (none registered)\n");
            foreach (var listed in components)
            {
                var c = listed.Info;
                text.Append("  ").Append(c.Name).Append(" — ").Append(c.Summary).Append('\n');
                text.Append("      source:    ").Append(c.Source).Append('\n');
                text.Append("      tolerance: ").Append(c.Tolerance).Append('\n');
                if (listed.HasTwin is { } twin) text.Append("      torch twin: ").Append(twin ? "yes" : "no (managed backend only)").Append('\n');
                if (!listed.Origin.IsBuiltIn) text.Append("      from:      ").Append(listed.Origin.ToString()).Append('\n');
                if (c.Parameters.Count == 0)
                {
                    text.Append("      parameters: none\n");
                    continue;
                }
                text.Append("      parameters:\n");
                int nameWidth = 0, typeWidth = 0, defaultWidth = 0;
                foreach (var p in c.Parameters)
                {
                    nameWidth = Math.Max(nameWidth, p.Name.Length);
                    typeWidth = Math.Max(typeWidth, p.Type.Length);
                    defaultWidth = Math.Max(defaultWidth, p.Default.Length + "default ".Length);
                }
                foreach (var p in c.Parameters)
                {
                    text.Append("        ").Append(p.Name.PadRight(nameWidth))
                        .Append("  ").Append(p.Type.PadRight(typeWidth))
                        .Append("  ").Append(("default " + p.Default).PadRight(defaultWidth))
                        .Append("  ").Append(p.Description).Append('\n');
                }
            }
            text.Append('\n');
        }
        output.Write(text.ToString());
    }

    private static void WriteJson(List<Section> sections, ComponentCatalogs catalogs, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var section in sections)
            {
                json.WriteStartObject();
                json.WriteString("category", section.Category);
                json.WriteString("title", section.Title);
                json.WriteStartArray("components");
                foreach (var listed in section.Components(catalogs))
                {
                    var c = listed.Info;
                    json.WriteStartObject();
                    json.WriteString("name", c.Name);
                    json.WriteString("summary", c.Summary);
                    json.WriteString("source", c.Source);
                    json.WriteString("tolerance", c.Tolerance);
                    if (listed.HasTwin is { } twin) json.WriteBoolean("tensorTwin", twin);
                    if (listed.Origin.IsBuiltIn)
                    {
                        json.WriteString("origin", "built-in");
                    }
                    else
                    {
                        json.WriteStartObject("origin");
                        json.WriteString("plugin", listed.Origin.Assembly);
                        json.WriteString("version", listed.Origin.Version);
                        json.WriteString("sha256", listed.Origin.Sha256);
                        json.WriteString("path", listed.Origin.Path);
                        json.WriteEndObject();
                    }
                    json.WriteStartArray("parameters");
                    foreach (var p in c.Parameters)
                    {
                        json.WriteStartObject();
                        json.WriteString("name", p.Name);
                        json.WriteString("type", p.Type);
                        json.WriteString("default", p.Default);
                        json.WriteString("description", p.Description);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
