using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Scenarios;

/// <summary>The scenario side of the PyTorch-compatible options: <c>task.validation</c> 0, <c>task.dataHolders</c>
/// honest and <c>task.augmentation</c> hflip.</summary>
public sealed class PyTorchCompatibleOptionsTests
{
    private const string Tiny = """
    {
      "name": "tiny", "seed": 3,
      "task": { "data": "gaussian-mixture:classes=3,features=4,train=1200,test=200", "model": "softmax", "validation": 0 },
      "workers": { "count": 10, "batchSize": 8 },
      "byzantine": { "count": 3, "attack": "sign-flip:of=mean" },
      "defences": ["mean", "median"],
      "budget": { "steps": 4 },
      "evaluation": { "every": 2 }
    }
    """;

    private static Scenario TinyWith(params string[] sets) => ScenarioLoader.Parse(Tiny, "tiny").With(sets);

    private static SimByzException Rejected(Scenario s) => Assert.Throws<SimByzException>(() => ScenarioBuilder.Build(s));

    [Fact]
    public void ValidationZero_NoDefenceNeedsIt_RunsWithNaNValidationColumns()
    {
        var s = TinyWith();
        var setup = ScenarioBuilder.Build(s);
        Assert.Empty(setup.ValidationRows);
        var results = ExperimentRunner.RunAll(s, setup);
        Assert.All(results, r =>
        {
            Assert.Equal(4, r.Steps);
            Assert.All(r.Rows, row => Assert.True(double.IsNaN(row.ValidationLoss) && double.IsNaN(row.ValidationAccuracy)));
            Assert.True(double.IsFinite(r.Final.TestAccuracy));
        });
    }

    [Theory]
    [InlineData("zeno:b=3", "sync")]
    [InlineData("bucketing:s=2+zeno:b=1", "sync")]
    [InlineData("zenopp", "async")]
    [InlineData("aflguard", "async")]
    [InlineData("basgd:b=6,rule=zeno", "async")]
    public void ValidationZero_DefenceThatNeedsIt_OneErrorNamingIt(string defence, string kind)
    {
        var ex = Rejected(TinyWith($"protocol.kind={kind}", $"defences=[\"{(kind == "sync" ? "mean" : "async-sgd")}\",\"{defence}\"]"));
        Assert.Equal("$.defences[1]", ex.JsonPath);
        Assert.Contains($"defence '{defence}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("task.validation is 0", ex.Message, StringComparison.Ordinal);
        // With a validation set the same scenario builds.
        ScenarioBuilder.Build(TinyWith($"protocol.kind={kind}", "task.validation=100", $"defences=[\"{(kind == "sync" ? "mean" : "async-sgd")}\",\"{defence}\"]"));
    }

    [Fact]
    public void HonestDataHolders_ByzantineWorkersHoldNoRows_AndSendTheAttacksRows()
    {
        var s = TinyWith("task.dataHolders=honest", "task.validation=0.2", "byzantine.select=random");
        var setup = ScenarioBuilder.Build(s);
        Assert.Equal(240, setup.ValidationRows.Length);
        for (int w = 0; w < 10; w++)
        {
            if (setup.Byzantine[w]) Assert.Empty(setup.Shards[w]);
            else Assert.NotEmpty(setup.Shards[w]);
        }
        Assert.Equal(960, setup.Shards.Sum(x => x.Length));
        var results = ExperimentRunner.RunAll(s, setup);
        Assert.All(results, r =>
        {
            Assert.Equal(4 * 3, r.Final.ByzantineApplied + r.Final.ByzantineRejected);
            Assert.Equal(4 * 7, r.Final.HonestApplied + r.Final.HonestRejected);
        });
        // Byte-identical on a second run.
        Assert.Equal(ExperimentRunner.MetricsCsv(results), ExperimentRunner.MetricsCsv(ExperimentRunner.RunAll(s, ScenarioBuilder.Build(s))));
    }

    [Theory]
    [InlineData("byzantine.dataAttack=label-flip", "$.byzantine.dataAttack")]
    [InlineData("byzantine.attack=sign-flip", "$.byzantine.attack")]
    [InlineData("byzantine.attack=honest", "$.byzantine.attack")]
    public void HonestDataHolders_AttackFromTheByzantineWorkersOwnData_Rejected(string set, string path)
    {
        var ex = Rejected(TinyWith("task.dataHolders=honest", set));
        Assert.Equal(path, ex.JsonPath);
        Assert.Contains("dataHolders is \"honest\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_NewFieldsOnlyWhenSet_AndTheyRoundTrip()
    {
        var plain = TinyWith().ToJson().ToString();
        Assert.DoesNotContain("dataHolders", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("augmentation", plain, StringComparison.Ordinal);
        var set = TinyWith("task.dataHolders=honest", "task.augmentation=hflip:p=0.25");
        var again = ScenarioLoader.Parse(set.ToJson(), "again");
        Assert.Equal(set.ToJson().ToString(), again.ToJson().ToString());
        Assert.Contains("\"dataHolders\": \"honest\"", again.ToJson().ToString(), StringComparison.Ordinal);
        Assert.Contains("\"augmentation\": \"hflip:p=0.25\"", again.ToJson().ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("task.dataHolders=byzantine", "$.task.dataHolders")]
    [InlineData("task.augmentation=rotate", "$.task.augmentation")]
    public void Loader_BadValues_NamedByPath(string set, string path)
        => Assert.Equal(path, Assert.Throws<SimByzException>(() => TinyWith(set)).JsonPath);

    [Fact]
    public void Augmentation_OnNonImageData_RejectedAtItsPath()
        => Assert.Equal("$.task.augmentation", Rejected(TinyWith("task.augmentation=hflip", "task.data=gaussian-mixture:classes=3,features=5,train=1200,test=200")).JsonPath);

    [Fact]
    public void Augmentation_HorizontalFlipOnImages_DeterministicAndChangesTraining()
    {
        string[] images = ["task.data=fashion-mnist:limit=400,test-limit=100", "task.model=mlp:hidden=8,init=torch", "budget.steps=6", "evaluation.every=3"];
        var flipped = TinyWith([.. images, "task.augmentation=hflip"]);
        string a = ExperimentRunner.MetricsCsv(ExperimentRunner.RunAll(flipped, ScenarioBuilder.Build(flipped)));
        string b = ExperimentRunner.MetricsCsv(ExperimentRunner.RunAll(flipped, ScenarioBuilder.Build(flipped)));
        Assert.Equal(a, b);
        var plain = TinyWith(images);
        Assert.NotEqual(a, ExperimentRunner.MetricsCsv(ExperimentRunner.RunAll(plain, ScenarioBuilder.Build(plain))));
    }
}
