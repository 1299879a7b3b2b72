using SimByz.Simulator.Sweeps;
using Xunit;
using static SimByz.Tests.Unit.Sweeps.SweepFixtures;

namespace SimByz.Tests.Unit.Sweeps;

public class SweepAxesTests
{
    [Fact]
    public void Parse_PathAxes_AreDimensionsBeforeTheShorthands_AndColumnsAfterSeed()
    {
        var grid = Parse(Grid("\"protocol.maxStaleness\": [0, 4, 16], \"defences\": [\"mean\"], \"task.partition\": [\"iid\", \"dirichlet:alpha=0.5\"], \"seeds\": [1, 2]"));
        Assert.Equal(["protocol.maxStaleness", "task.partition", "q", "delays", "attacks", "defences", "seeds"], grid.Axes.Select(a => a.Key));
        Assert.Equal(["q", "delay", "attack", "defence", "seed", "protocol.maxStaleness", "task.partition"], grid.Columns.Select(c => c.Name));
        Assert.Equal(3 * 2 * 2, grid.RunCount);
        Assert.StartsWith("run,q,delay,attack,defence,seed,protocol.maxStaleness,task.partition,test_accuracy,", SweepResults.Header(grid), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_PathAxes_SetTheScenarioFieldsAsSetWould()
    {
        var plan = SweepPlan.Create(Parse(Grid("\"protocol.maxStaleness\": [0, 4], \"task.partition\": [\"iid\", \"dirichlet:alpha=0.5\"], \"defences\": [\"mean\", \"median\"], \"seeds\": [1, 2]")), SweepFixtures.Version);
        Assert.Equal(16, plan.RunCount);
        var run = plan.Run(13); // (4, dirichlet, mean, 2): 1·8 + 1·4 + 0·2 + 1
        Assert.Equal(4, run.Scenario.Protocol.MaxStaleness);
        Assert.Equal("dirichlet:alpha=0.5", run.Scenario.Task.Partition);
        Assert.Equal(["mean"], run.Scenario.Defences);
        Assert.Equal(2UL, run.Scenario.Seed);
        Assert.Equal(["4", "dirichlet:alpha=0.5"], run.Point.Fields);
        // The key is the resolved scenario's, computed the same way for every run.
        for (int i = 0; i < plan.RunCount; i++) Assert.Equal(SweepPlan.Key(plan.Run(i).Scenario, SweepFixtures.Version, null), plan.KeyOf(i));
        // The same run through `simbyz run --set`: the same resolved scenario.
        var sets = TinySets.Split("\", \"").Select(x => x.Trim('"'))
            .Concat(["protocol.maxStaleness=4", "task.partition=dirichlet:alpha=0.5", "defences=[\"mean\"]"]);
        var viaSet = SimByz.Simulator.Scenarios.ScenarioLoader.Load("default", sets, seed: 2);
        Assert.Equal(SweepPlan.Key(viaSet, SweepFixtures.Version, null), run.Key);
    }

    [Fact]
    public void Plan_FederationAxis_SetsTheSampleSize_AndEachRunBuilds()
    {
        // A federated base (set as a whole object) and an axis over one of its fields, as `sweep` users write it.
        string json = $$"""
            { "name": "fed", "base": "default",
              "set": [{{TinySets}}, "federation={\"clients\":100000,\"perRound\":4,\"byzantine\":0.25}"],
              "axes": { "federation.perRound": [4, 8], "defences": ["median"], "seeds": [1] } }
            """;
        var plan = SweepPlan.Create(Parse(json), SweepFixtures.Version);
        Assert.Equal(2, plan.RunCount);
        Assert.Equal([4, 8], Enumerable.Range(0, 2).Select(i => plan.Run(i).Scenario.Federation!.PerRound));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(100000, plan.Run(i).Scenario.Federation!.Clients));
        Assert.NotEqual(plan.KeyOf(0), plan.KeyOf(1));
        foreach (int i in new[] { 0, 1 })
        {
            var result = new SimByz.Simulator.Engine.TrainingRun(SimByz.Simulator.Scenarios.ScenarioBuilder.Build(plan.Run(i).Scenario), "median").Run();
            Assert.Equal(4, result.Steps);
        }
    }

    [Fact]
    public void Plan_LinkedAxis_VariesItsFieldsTogether()
    {
        var plan = SweepPlan.Create(Parse(Grid("\"q+defences\": [[1, \"krum:f=1\"], [3, \"trimmed-mean:b=3\"]], \"attacks\": [\"none\", \"gaussian\"], \"seeds\": [1]")), SweepFixtures.Version);
        Assert.Equal(4, plan.RunCount);
        var runs = SweepPlanTests.Runs(plan);
        Assert.Equal([(1, "krum:f=1", "none"), (1, "krum:f=1", "gaussian"), (3, "trimmed-mean:b=3", "none"), (3, "trimmed-mean:b=3", "gaussian")],
            runs.Select(r => (r.Scenario.Byzantine.Count, r.Scenario.Defences[0], r.Point.Attack.Label)));
        Assert.Equal(["q+defences", "delays", "attacks", "seeds"], plan.Grid.Axes.Select(a => a.Key));
    }

    [Fact]
    public void Plan_LinkedValueInvalidInItsCombination_NamesTheTupleEntry()
    {
        // n = 8: krum needs n > 2f + 2, so f = 3 fails.
        var ex = Assert.Throws<SimByzException>(() => SweepPlan.Create(Parse(Grid("\"q+defences\": [[1, \"krum:f=1\"], [3, \"krum:f=3\"]], \"seeds\": [1]")), SweepFixtures.Version));
        Assert.StartsWith("grid.json: $.axes[\"q+defences\"][1][1]: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("n > 2f+2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"workers.batchSize\": [8, \"big\"]", "grid.json: $.axes[\"workers.batchSize\"][1]: expected an integer")]
    [InlineData("\"task.colour\": [1]", "grid.json: $.axes[\"task.colour\"]: 'task.colour' is not a scenario field: task has no field 'colour' (fields there: data, model, partition, test, validation")]
    [InlineData("\"q+defences\": [[1]]", "grid.json: $.axes[\"q+defences\"][0]: expected an array of 2 values (q, defence)")]
    [InlineData("\"q+defences\": [[1, 2]]", "grid.json: $.axes[\"q+defences\"][0][1]: expected a string")]
    [InlineData("\"q\": [1], \"byzantine.count+defences\": [[2, \"mean\"]]", "grid.json: $.axes[\"byzantine.count+defences\"]: the q field is already varied by $.axes.q")]
    [InlineData("\"byzantine.attack\": [\"gaussian\"]", "grid.json: $.axes[\"byzantine.attack\"]: 'byzantine.attack' cannot be an axis field: use the attacks axis")]
    [InlineData("\"workers\": [{}]", "grid.json: $.axes.workers: 'workers' contains a field of a shorthand axis")]
    [InlineData("\"protocol.maxStaleness\": [4, 4]", "grid.json: $.axes[\"protocol.maxStaleness\"][1]: repeats $.axes[\"protocol.maxStaleness\"][0]")]
    [InlineData("\"protocol.kind\": [\"sync\", \"later\"]", "grid.json: $.axes[\"protocol.kind\"][1]: 'later' is not allowed")]
    [InlineData("\"task.partition\": []", "grid.json: $.axes[\"task.partition\"]: is empty")]
    public void Parse_BadAnyFieldAxis_NamesTheJsonPathOfTheValue(string axes, string expected)
    {
        var ex = Assert.Throws<SimByzException>(() => Parse(Grid(axes)));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shards_PartitionTheRuns_Deterministically_BalancedByCost()
    {
        var plan = SweepPlan.Create(Parse(Grid("\"workers.count\": [6, 8, 12], \"defences\": [\"mean\", \"median\"], \"seeds\": [1, 2, 3, 4, 5]")), SweepFixtures.Version);
        var assignment = SweepShards.Assign(plan, 4);
        Assert.Equal(assignment, SweepShards.Assign(SweepPlan.Create(plan.Grid, SweepFixtures.Version, threads: 1), 4));
        var shards = Enumerable.Range(0, 4).Select(k => SweepShards.Of(plan, k, 4)).ToList();
        Assert.Equal(Enumerable.Range(0, plan.RunCount), shards.SelectMany(s => s).Order());
        var loads = shards.Select(s => s.Sum(plan.CostOf)).ToList();
        long largest = Enumerable.Range(0, plan.RunCount).Max(plan.CostOf);
        Assert.True(loads.Max() - loads.Min() <= largest, string.Join(", ", loads));
        // Larger runs cost more: 12 workers over 6.
        Assert.True(plan.CostOf(plan.RunCount - 1) > plan.CostOf(0));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/3", 2, 3)]
    public void ShardsParse_KOfN(string text, int k, int n) => Assert.Equal((k, n), SweepShards.Parse(text));

    [Theory]
    [InlineData("3/3")]
    [InlineData("1")]
    [InlineData("-1/2")]
    [InlineData("a/b")]
    public void ShardsParse_Bad_SaysTheForm(string text)
    {
        var ex = Assert.Throws<SimByzException>(() => SweepShards.Parse(text));
        Assert.Contains("expected K/N with 0 ≤ K < N", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeedStatistics_StudentTConfidenceInterval()
    {
        var s = SeedStatistics.Of([0.5, 0.7, 0.6]);
        Assert.Equal(0.6, s.Mean, 12);
        Assert.Equal(0.1, s.Std, 12);
        // t(0.975, 2) = 4.302652729911275
        Assert.Equal(4.302652729911275 * 0.1 / Math.Sqrt(3), s.HalfWidth, 9);
        Assert.True(double.IsNaN(SeedStatistics.Of([0.5]).HalfWidth));
        Assert.True(double.IsNaN(SeedStatistics.Of([0.5, double.NaN]).Mean));
    }

    [Fact]
    public void Planning_ManySeeds_IsLazy_KeysEveryRunWithoutBuildingEachSeed()
    {
        var plan = SweepPlan.Create(Parse(Grid("\"defences\": [\"mean\", \"median\"], \"seeds\": " + "[" + string.Join(", ", Enumerable.Range(1, 5000)) + "]")), SweepFixtures.Version);
        Assert.Equal(10_000, plan.RunCount);
        Assert.Equal(1, plan.TemplateCount);
        Assert.Equal(10_000, Enumerable.Range(0, plan.RunCount).Select(plan.KeyOf).Distinct().Count());
        Assert.Equal(SweepPlan.Key(plan.Run(9_999).Scenario, SweepFixtures.Version, null), plan.KeyOf(9_999));
        Assert.Equal(5000UL, plan.Run(9_999).Scenario.Seed);
    }
}
