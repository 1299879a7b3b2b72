using Newtonsoft.Json.Linq;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Scenarios;
using Xunit;
using static SimByz.Tests.Unit.Cli.AggregateCommandTests;

namespace SimByz.Tests.Unit.Simulator.Composition;

/// <summary>The sample plug-in (tests/SamplePlugin) through the loader and the CLI, as a plug-in author would use it.</summary>
public sealed class PluginTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "simbyz-plugin-" + Path.GetRandomFileName());

    public PluginTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    /// <summary>The sample plug-in's build output, next to this test assembly's configuration.</summary>
    internal static string SamplePluginPath
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory); // tests/Unit/bin/CONFIG/net10.0/
            string framework = here.Name, configuration = here.Parent!.Name;
            string testsDir = here.Parent!.Parent!.Parent!.Parent!.FullName;
            string path = Path.Combine(testsDir, "SamplePlugin", "bin", configuration, framework, "SimByz.Tests.SamplePlugin.dll");
            Assert.True(File.Exists(path), $"sample plug-in not built at {path}");
            return path;
        }
    }

    private const string SyncScenario = """
    {
      "name": "plugin-sync", "seed": 5,
      "task": { "data": "blobs:features=3,train=300", "model": "centroid", "validation": 30, "test": 30 },
      "workers": { "count": 7, "batchSize": 8, "compute": "bimodal:fast-us=800,slow-us=6000,p=0.2", "network": "constant:t=1ms" },
      "byzantine": { "count": 2, "attack": "scaled-mean:scale=-3" },
      "defences": ["median-of-means:groups=3", "damp:factor=0.5+median", "mean"],
      "budget": { "steps": 25 }, "evaluation": { "every": 5 }
    }
    """;

    private string WriteScenario(string json, string name = "scenario.json")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Load_AddsOneComponentOfEveryKind_WithItsOrigin()
    {
        var root = PluginLoader.Load(CompositionRoot.Default, [SamplePluginPath]);
        var plugin = Assert.Single(root.Plugins);
        Assert.Equal("SimByz.Tests.SamplePlugin", plugin.Origin.Assembly);
        Assert.StartsWith("1.2.3", plugin.Origin.Version, StringComparison.Ordinal);
        Assert.Equal(PluginLoader.Sha256Of(SamplePluginPath), plugin.Origin.Sha256);
        Assert.Equal(["rule median-of-means", "pre-aggregator damp", "async rule sign-sgd", "attack scaled-mean", "data attack shift-label",
            "async behaviour lazy", "delay model bimodal", "model centroid", "data source blobs"], plugin.Components);
        foreach (var (kind, entries) in root.Catalogs.All)
        {
            Assert.Contains(entries, e => !e.Origin.IsBuiltIn && e.Origin.Sha256 == plugin.Origin.Sha256);
        }
        Assert.False(CompositionRoot.Default.Catalogs.Aggregators.Rules.Contains("median-of-means"));
    }

    [Fact]
    public void Load_SameFileTwice_LoadsOnce_AnotherBuildWithTheSameNames_ClashesNamingBoth()
    {
        Assert.Single(PluginLoader.Load(CompositionRoot.Default, [SamplePluginPath, SamplePluginPath]).Plugins);
        string copy = Path.Combine(_dir, "other-build", "SimByz.Tests.SamplePlugin.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.WriteAllBytes(copy, [.. File.ReadAllBytes(SamplePluginPath), 0]);
        var error = Assert.Throws<SimByzException>(() => PluginLoader.Load(CompositionRoot.Default, [SamplePluginPath, copy]));
        Assert.Contains("rule 'median-of-means' from plug-in SimByz.Tests.SamplePlugin", error.Message, StringComparison.Ordinal);
        Assert.Contains(copy, error.Message, StringComparison.Ordinal);
        Assert.Contains(SamplePluginPath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadFiles_OneClearError()
    {
        var missing = Assert.Throws<SimByzException>(() => PluginLoader.Load(CompositionRoot.Default, [Path.Combine(_dir, "nope.dll")]));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        string text = Path.Combine(_dir, "text.dll");
        File.WriteAllText(text, "not an assembly");
        Assert.Contains("is not a loadable .NET assembly", Assert.Throws<SimByzException>(() => PluginLoader.Load(CompositionRoot.Default, [text])).Message, StringComparison.Ordinal);
        string library = typeof(SimByzException).Assembly.Location;
        Assert.Contains("defines no public class implementing ISimByzPlugin", Assert.Throws<SimByzException>(() => PluginLoader.Load(CompositionRoot.Default, [library])).Message, StringComparison.Ordinal);
        // An empty path (`--plugin ""`) ended the process with Path.GetFullPath's ArgumentException; a folder was "missing".
        foreach (string empty in new[] { "", "  " })
        {
            Assert.Equal("a plug-in path is empty: give the path of the plug-in's .dll",
                Assert.Throws<SimByzException>(() => PluginLoader.Load(CompositionRoot.Default, [empty])).Message);
        }
        Assert.Equal($"plug-in '{_dir}' is a folder: give the path of the plug-in's .dll",
            Assert.Throws<SimByzException>(() => PluginLoader.Load(CompositionRoot.Default, [_dir])).Message);
    }

    [Fact]
    public void List_WithPlugin_ShowsItsComponentsAndOrigin()
    {
        var (code, stdout, stderr) = Simbyz("list", "aggregators", "--plugin", SamplePluginPath);
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        Assert.Contains("  median-of-means — ", stdout, StringComparison.Ordinal);
        Assert.Contains("from:      plug-in SimByz.Tests.SamplePlugin 1.2.3", stdout, StringComparison.Ordinal);
        Assert.Contains("torch twin: no (managed backend only)", stdout, StringComparison.Ordinal);
        var (_, json, _) = Simbyz("list", "--json", "--plugin", SamplePluginPath);
        var components = JArray.Parse(json).SelectMany(s => s["components"]!).ToList();
        foreach (string name in new[] { "median-of-means", "damp", "sign-sgd", "scaled-mean", "shift-label", "lazy", "bimodal", "centroid", "blobs" })
        {
            var c = components.Single(c => (string?)c["name"] == name);
            Assert.Equal("SimByz.Tests.SamplePlugin", (string?)c["origin"]!["plugin"]);
        }
        Assert.True((bool)components.Single(c => (string?)c["name"] == "median")["tensorTwin"]!);
        // Asynchronous rules show their twin too: the built-ins have one, the plug-in's has none.
        Assert.True((bool)components.Single(c => (string?)c["name"] == "kardam")["tensorTwin"]!);
        Assert.False((bool)components.Single(c => (string?)c["name"] == "sign-sgd")["tensorTwin"]!);
    }

    [Fact]
    public void Run_ScenarioPlugins_RelativeToTheFile_RecordedAndReplayedExactly_AndAnotherBuildIsRefused()
    {
        string pluginDir = Path.Combine(_dir, "plugins");
        Directory.CreateDirectory(pluginDir);
        string local = Path.Combine(pluginDir, "SimByz.Tests.SamplePlugin.dll");
        File.Copy(SamplePluginPath, local);
        var scenario = JObject.Parse(SyncScenario);
        scenario["plugins"] = new JArray("plugins/SimByz.Tests.SamplePlugin.dll");
        string file = WriteScenario(scenario.ToString());
        string outA = Path.Combine(_dir, "a"), outB = Path.Combine(_dir, "b");
        var (code, stdout, stderr) = Simbyz("run", "--scenario", file, "--out", outA, "--quiet", "--threads", "1");
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(0, Simbyz("run", "--scenario", file, "--out", outB, "--quiet", "--threads", "3").Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(outA, "trace.jsonl")), File.ReadAllBytes(Path.Combine(outB, "trace.jsonl")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(outA, "metrics.csv")), File.ReadAllBytes(Path.Combine(outB, "metrics.csv")));

        var summary = JObject.Parse(File.ReadAllText(Path.Combine(outA, "summary.json")));
        var recorded = (JObject)summary["plugins"]![0]!;
        Assert.Equal(PluginLoader.Sha256Of(local), (string?)recorded["sha256"]);
        Assert.Equal(local, (string?)recorded["path"]);
        Assert.Contains("rule median-of-means", recorded["components"]!.Select(t => (string)t!));
        var header = JObject.Parse(File.ReadLines(Path.Combine(outA, "trace.jsonl")).First());
        Assert.Equal("SimByz.Tests.SamplePlugin", (string?)header["plugins"]![0]!["assembly"]);
        // The defences ran: the robust rule keeps the model near the data, the mean is pushed away.
        var finals = summary["defences"]!.ToDictionary(d => (string)d["defence"]!, d => (double)d["final"]!["testLoss"]!);
        Assert.True(finals["median-of-means:groups=3"] < finals["mean"], $"median-of-means {finals["median-of-means:groups=3"]} vs mean {finals["mean"]}");

        var (replayCode, replayOut, replayErr) = Simbyz("replay", Path.Combine(outA, "trace.jsonl"));
        Assert.True(replayCode == 0, replayOut + replayErr);
        Assert.Contains("OK:", replayOut, StringComparison.Ordinal);

        // Another build of the plug-in at the recorded path: refused with one message.
        File.WriteAllBytes(local, [.. File.ReadAllBytes(SamplePluginPath), 0, 0]);
        var (badCode, _, badErr) = Simbyz("replay", Path.Combine(outA, "trace.jsonl"));
        Assert.Equal(2, badCode);
        Assert.Contains("was made with plug-in SimByz.Tests.SamplePlugin", badErr, StringComparison.Ordinal);
        Assert.Contains("use the same build of the plug-in", badErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", badErr, StringComparison.Ordinal);

        // The same build from another place, given with --plugin: accepted.
        var (movedCode, movedOut, movedErr) = Simbyz("replay", Path.Combine(outA, "trace.jsonl"), "--plugin", SamplePluginPath);
        Assert.True(movedCode == 0, movedOut + movedErr);
    }

    [Fact]
    public void Run_AsyncWithPluginRuleAndBehaviour_AndDataAttack()
    {
        string file = WriteScenario("""
        {
          "name": "plugin-async", "seed": 2,
          "task": { "data": "gaussian-mixture:classes=3,features=4,train=600,test=100", "model": "softmax", "validation": 50 },
          "workers": { "count": 5, "batchSize": 8, "compute": "bimodal", "network": "constant:t=1ms" },
          "byzantine": { "count": 1, "dataAttack": "shift-label", "behaviour": "lazy:extra-us=2000" },
          "protocol": { "kind": "async" },
          "defences": ["sign-sgd", "async-sgd"],
          "optimizer": { "learningRate": 0.01 },
          "budget": { "steps": 40 }, "evaluation": { "every": 10 }
        }
        """);
        string output = Path.Combine(_dir, "async");
        var (code, stdout, stderr) = Simbyz("run", "--scenario", file, "--plugin", SamplePluginPath, "--out", output, "--quiet");
        Assert.True(code == 0, stdout + stderr);
        var summary = JObject.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
        Assert.Equal(SamplePluginPath, (string?)summary["scenario"]!["plugins"]![0]);
        Assert.All(summary["defences"]!, d => Assert.Equal(40, (int)d["steps"]!));
        Assert.Equal(0, Simbyz("replay", Path.Combine(output, "trace.jsonl")).Code);
    }

    [Fact]
    public void Run_PluginRuleTolerance_FailsBeforeRunning_WithThePath()
    {
        string file = WriteScenario(SyncScenario.Replace("median-of-means:groups=3", "median-of-means:groups=9", StringComparison.Ordinal));
        var (code, stdout, stderr) = Simbyz("run", "--scenario", file, "--plugin", SamplePluginPath, "--out", Path.Combine(_dir, "x"), "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("$.defences[0]: median-of-means:groups=9: tolerance condition n ≥ groups does not hold for n = 7 inputs", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "x")), stdout);
    }

    [Fact]
    public void Run_PluginComponentWithoutThePlugin_SaysUnknownName()
    {
        var (code, _, stderr) = Simbyz("run", "--scenario", WriteScenario(SyncScenario), "--out", Path.Combine(_dir, "y"), "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("unknown data source 'blobs'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_GridPlugins_RelativeToTheGrid_AxesUsePluginComponents()
    {
        File.Copy(SamplePluginPath, Path.Combine(_dir, "SimByz.Tests.SamplePlugin.dll"));
        WriteScenario(SyncScenario, "base.json");
        string grid = Path.Combine(_dir, "grid.json");
        File.WriteAllText(grid, """
        {
          "name": "plugin-grid", "base": "base.json", "plugins": ["SimByz.Tests.SamplePlugin.dll"],
          "axes": { "defences": ["median-of-means:groups=3", "median"], "attacks": ["scaled-mean:scale=-3", "sign-flip"], "seeds": [1, 2] }
        }
        """);
        var (code, stdout, stderr) = Simbyz("sweep", grid, "--out", Path.Combine(_dir, "sweep"), "--threads", "2");
        Assert.True(code == 0, stdout + stderr);
        var lines = File.ReadAllLines(Path.Combine(_dir, "sweep", "results.csv"));
        Assert.Equal(1 + 8, lines.Length);
        Assert.Contains(lines, l => l.Contains("median-of-means:groups=3", StringComparison.Ordinal) && l.Contains("scaled-mean", StringComparison.Ordinal));
    }
}
