using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SimByz.Aggregation.Registry;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Partitioning;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Tasks;
using SimByz.Specs;

namespace SimByz.Cli.Commands;

/// <summary>
/// <c>simbyz list [CATEGORY] [--json]</c>: every registered component (name, summary, source,
/// tolerance, parameters with type, default and meaning), grouped in sections, as plain text or JSON.
/// </summary>
/// <remarks>
/// <para>Each section is one line of <see cref="Sections"/>: a category (what the user types), a
/// title, and the registry list it shows. A new kind of component (attacks, delay models,
/// scenarios) is listed by adding one line there; the category becomes valid with it.</para>
/// <para>Output is plain text always (stable, pipe-friendly, identical in a terminal and in a
/// file); <c>--json</c> gives <c>[{"category", "title", "components": [{"name", "summary",
/// "source", "tolerance", "parameters": [{"name", "type", "default", "description"}]}]}]</c>.
/// Order is the registries' fixed order.</para>
/// </remarks>
internal static class ListCommand
{
    /// <summary>One section of the listing.</summary>
    internal sealed record Section(string Category, string Title, Func<IReadOnlyList<ComponentInfo>> Components);

    internal static readonly IReadOnlyList<Section> Sections =
    [
        new("aggregators", "Aggregation rules", () => AggregatorRegistry.Rules),
        new("aggregators", "Pre-aggregators (chain in front of a rule: pre+rule)", () => AggregatorRegistry.PreAggregators),
        new("aggregators", "Asynchronous rules", () => AggregatorRegistry.AsyncRules),
        new("attacks", "Gradient attacks (byzantine.attack)", () => AttackRegistry.GradientAttacks),
        new("attacks", "Data attacks (byzantine.dataAttack)", () => AttackRegistry.DataAttacks),
        new("attacks", "Asynchronous behaviours (byzantine.behaviour, chain with +)", () => AttackRegistry.AsyncBehaviours),
        new("delays", "Delay models (workers.compute, workers.network; wrappers chain with +)", () => DelayModelRegistry.Models),
        new("tasks", "Data sources (task.data)", () => DataSourceRegistry.Sources),
        new("tasks", "Models (task.model)", () => ModelRegistry.Models),
        new("tasks", "Partitions (task.partition)", () => PartitionSpec.Schemes),
        new("scenarios", "Built-in scenarios (simbyz run --scenario NAME)", BuiltinScenarios),
        new("reproductions", "Reproductions (simbyz reproduce NAME [--quick])", Reproductions),
    ];

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
        var command = new Command("list", "List the registered components with their parameters and defaults.");
        command.Arguments.Add(category);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            Run(parse.GetValue(category), parse.GetValue(json), output);
            return 0;
        });
        return command;
    }

    internal static void Run(string? category, bool json, TextWriter output)
    {
        var chosen = new List<Section>();
        foreach (var section in Sections)
        {
            if (category is null || section.Category == category) chosen.Add(section);
        }
        if (chosen.Count == 0)
        {
            throw new SimByzException($"list: unknown category '{category}' (known: {string.Join(", ", Categories())})");
        }
        if (json) WriteJson(chosen, output);
        else WriteText(chosen, output);
    }

    private static List<string> Categories()
    {
        var names = new List<string>();
        foreach (var section in Sections)
        {
            if (!names.Contains(section.Category)) names.Add(section.Category);
        }
        return names;
    }

    private static void WriteText(List<Section> sections, TextWriter output)
    {
        var text = new StringBuilder();
        foreach (var section in sections)
        {
            var components = section.Components();
            text.Append(section.Title).Append(" [").Append(section.Category).Append(']').Append('\n');
            if (components.Count == 0) text.Append("  (none registered)\n");
            foreach (var c in components)
            {
                text.Append("  ").Append(c.Name).Append(" — ").Append(c.Summary).Append('\n');
                text.Append("      source:    ").Append(c.Source).Append('\n');
                text.Append("      tolerance: ").Append(c.Tolerance).Append('\n');
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

    private static void WriteJson(List<Section> sections, TextWriter output)
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
                foreach (var c in section.Components())
                {
                    json.WriteStartObject();
                    json.WriteString("name", c.Name);
                    json.WriteString("summary", c.Summary);
                    json.WriteString("source", c.Source);
                    json.WriteString("tolerance", c.Tolerance);
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
