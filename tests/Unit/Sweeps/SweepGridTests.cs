using SimByz.Simulator.Sweeps;
using Xunit;
using static SimByz.Tests.Unit.Sweeps.SweepFixtures;

namespace SimByz.Tests.Unit.Sweeps;

public class SweepGridTests
{
    internal static IReadOnlyList<string> Labels(SweepGrid grid, SweepFieldKind kind) => grid.ValuesOf(kind).Select(v => v.Label).ToList();

    [Fact]
    public void Parse_FullGrid_ReadsEveryAxisInOrder()
    {
        var grid = Parse(Grid("\"defences\": [\"mean\", \"krum:f=1\"], \"attacks\": [\"none\", \"label-flip\", \"ipm:eps=0.5\"], " +
            "\"q\": [2, 1], \"delays\": [\"constant:t=10ms\", \"exponential:mean=5ms\"], \"seeds\": [7, 3]"));
        Assert.Equal("tiny", grid.Name);
        Assert.Equal(["mean", "krum:f=1"], Labels(grid, SweepFieldKind.Defence));
        Assert.Equal(["none", "label-flip", "ipm:eps=0.5"], Labels(grid, SweepFieldKind.Attack));
        var attacks = grid.ValuesOf(SweepFieldKind.Attack);
        Assert.Equal("label-flip", attacks[1].Attack!.DataAttack);
        Assert.Null(attacks[1].Attack!.Attack);
        Assert.Equal("ipm:eps=0.5", attacks[2].Attack!.Attack);
        Assert.Equal(["2", "1"], Labels(grid, SweepFieldKind.Q));
        Assert.Equal(["constant:t=10ms", "exponential:mean=5ms"], Labels(grid, SweepFieldKind.Delay));
        Assert.Equal(["7", "3"], Labels(grid, SweepFieldKind.Seed));
        // The shorthands are the dimensions, in the documented order (seeds innermost).
        Assert.Equal(["q", "delays", "attacks", "defences", "seeds"], grid.Axes.Select(a => a.Key));
        Assert.Equal(2 * 3 * 2 * 2 * 2, grid.RunCount);
        Assert.Equal(8, grid.Base.Workers.Count); // the fixed overrides apply to the base
    }

    [Fact]
    public void Parse_MissingAxes_TakeTheBaseScenarioValues()
    {
        var grid = Parse(Grid("\"seeds\": [1]"));
        Assert.False(grid.AxisOf(SweepFieldKind.Defence).Axis.Given);
        Assert.Equal(["mean", "median", "krum:f=8", "zeno:b=9,rho=0.0005"], Labels(grid, SweepFieldKind.Defence));
        Assert.Equal(["sign-flip:s=4"], Labels(grid, SweepFieldKind.Attack));
        Assert.Equal(["2"], Labels(grid, SweepFieldKind.Q));
        Assert.Equal(["lognormal:mu=-4.6,sigma=0.25"], Labels(grid, SweepFieldKind.Delay));
        Assert.True(grid.AxisOf(SweepFieldKind.Seed).Axis.Given);
    }

    [Theory]
    [InlineData("\"q\": [2, \"three\"]", "grid.json: $.axes.q[1]: expected an integer")]
    [InlineData("\"q\": [8]", "grid.json: $.axes.q[0]: q = 8: expected 0 ≤ q < workers.count = 8")]
    [InlineData("\"q\": [1, 1]", "$.axes.q[1]: repeats $.axes.q[0]")]
    [InlineData("\"attacks\": [\"none\", \"flip-everything\"]", "grid.json: $.axes.attacks[1]: unknown attack 'flip-everything'")]
    [InlineData("\"attacks\": [\"sign-flip:t=2\"]", "grid.json: $.axes.attacks[0]: ")]
    [InlineData("\"delays\": [\"constant:t=1ms\", \"warp:speed=9\"]", "grid.json: $.axes.delays[1]: ")]
    [InlineData("\"defences\": []", "grid.json: $.axes.defences: is empty")]
    [InlineData("\"seeds\": [-1]", "grid.json: $.axes.seeds[0]: -1 is out of range")]
    [InlineData("\"colours\": [1]", "grid.json: $.axes.colours: 'colours' is not a scenario field: the scenario has no field 'colours'")]
    public void Parse_BadAxis_NamesTheJsonPath(string axes, string expected)
    {
        var ex = Assert.Throws<SimByzException>(() => Parse(Grid(axes)));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"base\": \"nope\" }", "grid.json: $.base: unknown scenario 'nope'")]
    [InlineData("{ \"base\": \"missing.json\" }", "grid.json: $.base: scenario file 'missing.json' does not exist")]
    [InlineData("{ \"base\": 3 }", "grid.json: $.base: expected a built-in scenario name")]
    [InlineData("{ \"set\": [\"noequals\"] }", "grid.json: $.set[0]: --set 'noequals': expected key.path=value")]
    [InlineData("{ \"set\": [\"workers.count=many\"] }", "$.workers.count: expected an integer")]
    [InlineData("{ \"axis\": {} }", "grid.json: $.axis: unknown field")]
    [InlineData("{ \"name\": \"a/b\" }", "grid.json: $.name: 'a/b' is not usable")]
    [InlineData("{ \"axes\": { \"q\": [1 } }", "grid.json: line 1")]
    [InlineData("[1, 2]", "grid.json: the grid must be a JSON object")]
    public void Parse_BadGrid_NamesTheJsonPath(string json, string expected)
    {
        var ex = Assert.Throws<SimByzException>(() => Parse(json));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BaseFile_IsResolvedRelativeToTheGrid()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("scenarios"));
        File.WriteAllText(dir.File("scenarios/small.json"), """{ "name": "small", "workers": { "count": 5 }, "byzantine": { "count": 1, "attack": "gaussian" }, "task": { "data": "gaussian-mixture:classes=3,features=4,train=600,test=100", "validation": 100 } }""");
        File.WriteAllText(dir.File("grid.json"), """{ "base": "scenarios/small.json", "axes": { "q": [0, 2] } }""");
        var grid = SweepGrid.Load(dir.File("grid.json"));
        Assert.Equal("grid", grid.Name); // the file name, when the grid has none
        Assert.Equal("scenarios/small.json", grid.BaseLabel);
        Assert.Equal(5, grid.Base.Workers.Count);
        Assert.Equal(["gaussian"], Labels(grid, SweepFieldKind.Attack));
    }

    [Fact]
    public void Parse_InlineBase_IsAScenarioObject()
    {
        var grid = Parse("""{ "base": { "workers": { "count": 6 }, "task": { "validation": 100 } }, "set": ["budget.steps=3"], "axes": { "attacks": ["none", "gaussian"], "q": [1] } }""");
        Assert.Equal("inline", grid.BaseLabel);
        Assert.Equal(6, grid.Base.Workers.Count);
        Assert.Equal(3, grid.Base.Budget.Steps);
        var ex = Assert.Throws<SimByzException>(() => Parse("""{ "base": { "workers": { "count": "six" } } }"""));
        Assert.Contains("grid.json: $.base: $.workers.count: expected an integer", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\nb")]
    [InlineData("a\\tb")]
    [InlineData("")]
    public void Parse_NameNotUsableInAFolderName_IsRefused(string name)
    {
        var ex = Assert.Throws<SimByzException>(() => Parse($$"""{ "name": "{{name}}", "base": "default" }"""));
        Assert.StartsWith("grid.json: $.name: '", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("' is not usable in a folder name (runs/sweep-NAME)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "base": "default", "plugins": ["a\u0000b.dll"] }""", "$.plugins[0]")]
    [InlineData("""{ "base": "a\u0000b.json" }""", "$.base")]
    public void Parse_PathWithANulCharacter_IsAnErrorAtItsField(string json, string field)
    {
        var ex = Assert.Throws<SimByzException>(() => Parse(json));
        Assert.Equal($"grid.json: {field}: is not a usable path: it contains a NUL character (\\u0000)", ex.Message);
    }

    [Fact]
    public void Parse_SchemaField_IsAcceptedAndIgnored()
    {
        string axes = "\"defences\": [\"mean\", \"median\"], \"seeds\": [1, 2]";
        var with = SweepPlan.Create(Parse(Grid(axes, "\"$schema\": \"../docs/schemas/sweep-grid.schema.json\",")), SweepFixtures.Version);
        var without = SweepPlan.Create(Parse(Grid(axes)), SweepFixtures.Version);
        Assert.Equal(without.RunCount, with.RunCount);
        // The same runs: a grid that gains a "$schema" line keeps its stored results.
        Assert.Equal(Enumerable.Range(0, without.RunCount).Select(without.KeyOf), Enumerable.Range(0, with.RunCount).Select(with.KeyOf));
        var ex = Assert.Throws<SimByzException>(() => Parse(Grid(axes, "\"$schema\": 3,")));
        Assert.Contains("grid.json: $.$schema: expected a string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShippedGrids_ReferenceTheShippedSchema_AndLoad()
    {
        string[] grids = Directory.GetFiles(Path.Combine(RepoRoot, "sweeps"), "*.json");
        Assert.NotEmpty(grids);
        foreach (string file in grids)
        {
            string reference = (string)Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(file))["$schema"]!;
            Assert.True(reference is not null, $"{file}: no \"$schema\"");
            string target = Path.GetFullPath(reference, Path.GetDirectoryName(file)!);
            Assert.Equal(Path.Combine(RepoRoot, "docs", "schemas", "sweep-grid.schema.json"), target);
            Assert.True(File.Exists(target), $"{file}: {reference}");
            Assert.True(SweepGrid.Load(file).RunCount > 0);
        }
    }

    [Fact]
    public void Parse_QAxisWithExplicitByzantineIds_IsRejected()
    {
        var ex = Assert.Throws<SimByzException>(() => Parse(Grid("\"q\": [1, 2]", "\"base\": { \"workers\": { \"count\": 6 }, \"byzantine\": { \"select\": \"explicit\", \"ids\": [0, 1], \"attack\": \"gaussian\" } },").Replace("\"base\": \"default\", ", "", StringComparison.Ordinal)));
        Assert.Contains("$.axes.q: the base scenario names its Byzantine workers", ex.Message, StringComparison.Ordinal);
    }
}
