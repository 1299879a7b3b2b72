using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Sweeps;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Scenarios;

/// <summary>The field table behind `simbyz list fields` and `simbyz schema` lists exactly what the loaders accept:
/// each loader is asked, through its unknown-field error, which fields it allows at every level.</summary>
public class ScenarioFieldsTests
{
    private static IReadOnlySet<string> Allowed(Action load)
    {
        var ex = Assert.Throws<SimByzException>(load);
        var m = Regex.Match(ex.Message, @"allowed here: ([^)]*)\)");
        Assert.True(m.Success, ex.Message);
        return m.Groups[1].Value.Split(", ").ToHashSet(StringComparer.Ordinal);
    }

    private static HashSet<string> Listed(IReadOnlyList<FieldDoc> fields, string prefix)
        => fields.Where(f => f.Path.StartsWith(prefix, StringComparison.Ordinal))
            .Select(f => f.Path[prefix.Length..].Split('.')[0].TrimEnd('[', ']')).ToHashSet(StringComparer.Ordinal);

    [Theory]
    [InlineData("")]
    [InlineData("task.")]
    [InlineData("workers.")]
    [InlineData("workers.overrides[].")]
    [InlineData("workers.availability[].")]
    [InlineData("byzantine.")]
    [InlineData("protocol.")]
    [InlineData("optimizer.")]
    [InlineData("budget.")]
    [InlineData("evaluation.")]
    public void ScenarioTable_ListsEveryFieldTheLoaderAccepts(string prefix)
    {
        var root = new JObject();
        JObject target = root;
        foreach (string part in prefix.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.EndsWith("[]", StringComparison.Ordinal))
            {
                var item = part == "overrides[]" ? new JObject(new JProperty("workers", new JArray(0))) : new JObject(new JProperty("worker", 0), new JProperty("crash", "1s"));
                target[part[..^2]] = new JArray(item);
                target = item;
            }
            else
            {
                target = (JObject)(target[part] ??= new JObject());
            }
        }
        target["zzzUnknown"] = 1;
        var allowed = Allowed(() => ScenarioLoader.Parse(root, "probe"));
        var listed = Listed(ScenarioFields.Scenario, prefix);
        if (prefix.Length == 0) listed.Remove("timings"); // expanded from the timing CSV before the loader sees the file
        Assert.Equal(allowed.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("axes.")]
    public void GridTable_ListsEveryFieldTheGridReaderAccepts(string prefix)
    {
        var root = new JObject(new JProperty("base", "default"));
        JObject target = prefix.Length == 0 ? root : (JObject)(root["axes"] = new JObject());
        target["zzzUnknown"] = 1;
        var listed = Listed(ScenarioFields.Grid, prefix);
        if (prefix == "axes.")
        {
            // Axes take any scenario path besides the shorthands: an unknown one is refused naming the shorthands.
            var error = Assert.Throws<SimByzException>(() => SweepGrid.Parse(root.ToString(), "probe.json", Path.GetTempPath()));
            var m = Regex.Match(error.Message, @"shorthand axes: ([^)]*)\)");
            Assert.True(m.Success, error.Message);
            listed.Remove("<scenario path>");
            Assert.Equal(m.Groups[1].Value.Split(", ").Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
            return;
        }
        var allowed = Allowed(() => SweepGrid.Parse(root.ToString(), "probe.json", Path.GetTempPath()));
        Assert.Equal(allowed.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Loader_SchemaField_IsAcceptedAndIgnored()
    {
        var with = ScenarioLoader.Parse("""{ "$schema": "x.json", "name": "a" }""");
        var without = ScenarioLoader.Parse("""{ "name": "a" }""");
        Assert.Equal(without.ToJson().ToString(), with.ToJson().ToString());
    }

    [Fact]
    public void Schema_DescribesProtocolFieldsWithChoicesAndBounds()
    {
        var schema = FieldSchema.Build(ScenarioFields.Scenario, "id", "t", "d");
        var protocol = schema["properties"]!["protocol"]!;
        Assert.False((bool)protocol["additionalProperties"]!);
        Assert.Equal(["all", "first-k", "deadline"], protocol["properties"]!["wait"]!["enum"]!.Values<string>());
        Assert.Equal(-1, (long)protocol["properties"]!["maxStaleness"]!["minimum"]!);
        var workers = schema["properties"]!["workers"]!["properties"]!;
        Assert.Equal(1, (long)workers["count"]!["minimum"]!);
        Assert.Equal(100000, (long)workers["count"]!["maximum"]!);
        Assert.Equal("object", (string)workers["overrides"]!["items"]!["type"]!);
        Assert.NotNull(workers["overrides"]!["items"]!["properties"]!["compute"]);
    }

    [Fact]
    public void BuiltinScenarios_ReferenceTheShippedSchema_WhichIsUpToDate()
    {
        string root = RepoRoot();
        string shipped = File.ReadAllText(Path.Combine(root, "docs", "schemas", "scenario.schema.json"));
        Assert.Equal(SimByz.Cli.Commands.SchemaCommand.ScenarioSchema(), shipped);
        Assert.Equal(SimByz.Cli.Commands.SchemaCommand.GridSchema(), File.ReadAllText(Path.Combine(root, "docs", "schemas", "sweep-grid.schema.json")));
        foreach (string name in ScenarioLoader.BuiltinNames)
        {
            var json = JObject.Parse(ScenarioLoader.BuiltinJson(name));
            string reference = (string)json["$schema"]!;
            Assert.True(File.Exists(Path.Combine(root, "src", "Simulator", "Scenarios", "Builtin", reference)), $"{name}: {reference}");
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SimByz.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SimByz.sln not found above the test folder");
    }
}
