using SimByz;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Tasks;

public class TaskBuilderTests
{
    private const string Mixture = "gaussian-mixture:classes=4,features=6,train=600,test=60,separation=3";

    [Fact]
    public void Build_SameDefinition_SameDataSplitAndInitialParameters()
    {
        var def = new TaskDefinition(Mixture, "mlp:hidden=8", 5, "dirichlet:alpha=0.5", SplitSize.OfFraction(0.1), seed: 3);
        var a = TaskBuilder.Build(def);
        var b = TaskBuilder.Build(def);
        Assert.Equal(a.Train.Features, b.Train.Features);
        Assert.Equal(a.InitialParameters.ToArray(), b.InitialParameters.ToArray());
        Assert.Equal(a.ValidationRows.ToArray(), b.ValidationRows.ToArray());
        Assert.Equal(60, a.ValidationRows.Length);
        Assert.Equal(5, a.Shards.Count);
        Assert.Equal(60, a.Test.Count);
        Assert.Equal(540, a.Shards.Sum(s => s.Length));
        Assert.Contains("mlp:hidden=8", a.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SourceWithoutTestSet_SplitsOneOffDisjointFromShards()
    {
        var task = TaskBuilder.Build(new TaskDefinition("quadratic:features=3,train=200,test=0", "quadratic", 4, validation: SplitSize.Of(20), test: SplitSize.OfFraction(0.25), seed: 1));
        Assert.Equal(50, task.Test.Count);
        Assert.Equal(50, task.Partition.Test.Length);
        var testRows = task.Partition.Test.ToArray();
        Assert.All(task.Shards, s => Assert.Empty(s.ToArray().Intersect(testRows)));
        Assert.Equal(task.Train.Example(testRows[0]).ToArray(), task.Test.Example(0).ToArray());
    }

    [Theory]
    [InlineData("nope", "softmax", 2, "unknown data source 'nope'")]
    // Not "cnn": the torch models join ModelCatalog once any test registers them (process-wide registry).
    [InlineData(Mixture, "resnet", 2, "unknown model 'resnet'")]
    [InlineData(Mixture, "softmax", 0, "workers=0")]
    public void Constructor_BadField_ThrowsBeforeLoading(string data, string model, int workers, string message)
        => Assert.Contains(message, Assert.Throws<SimByzException>(() => new TaskDefinition(data, model, workers)).Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_TextSizes_SameAsTypedConstructor()
    {
        var parsed = TaskDefinition.Parse(Mixture, "softmax", 4, "shards:k=2", "0.05", "0", 9);
        var typed = new TaskDefinition(Mixture, "softmax", 4, "shards:k=2", SplitSize.OfFraction(0.05), SplitSize.None, 9);
        Assert.Equal(typed, parsed);
        Assert.Contains("task validation size 'lots'", Assert.Throws<SimByzException>(() => TaskDefinition.Parse(Mixture, "softmax", 4, validation: "lots")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadPartition_Throws()
        => Assert.Contains("unknown partition", Assert.Throws<SimByzException>(() => new TaskDefinition(Mixture, "softmax", 2, "skewed")).Message, StringComparison.Ordinal);

    [Fact]
    public void Build_TestSetConflicts_AndModelDataMismatch_Throw()
    {
        Assert.Contains("has its own test set", Assert.Throws<SimByzException>(() => TaskBuilder.Build(new TaskDefinition(Mixture, "softmax", 2, test: SplitSize.Of(10)))).Message, StringComparison.Ordinal);
        Assert.Contains("has no test set", Assert.Throws<SimByzException>(() => TaskBuilder.Build(new TaskDefinition("quadratic:test=0", "quadratic", 2))).Message, StringComparison.Ordinal);
        Assert.Contains("needs regression data", Assert.Throws<SimByzException>(() => TaskBuilder.Build(new TaskDefinition(Mixture, "linear", 2))).Message, StringComparison.Ordinal);
        Assert.Contains("no validation set", Assert.Throws<SimByzException>(() => TaskBuilder.Build(new TaskDefinition(Mixture, "softmax", 2)).CreateValidationSampler(4)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidationOracle_UsesCurrentBatch_MatchesModelLossAndGradient()
    {
        var task = TaskBuilder.Build(new TaskDefinition(Mixture, "softmax", 3, validation: SplitSize.Of(40), seed: 8));
        var oracle = task.CreateValidationOracle();
        var sampler = task.CreateValidationSampler(8);
        Assert.Throws<InvalidOperationException>(() => oracle.Loss(task.InitialParameters));
        oracle.DrawBatch(sampler);
        Assert.Equal(8, oracle.Batch.Length);
        Assert.All(oracle.Batch.ToArray(), r => Assert.Contains(r, task.ValidationRows.ToArray()));
        var x = ModelTestData.Parameters(oracle.Dimension, 1);
        var g1 = new float[oracle.Dimension];
        var g2 = new float[oracle.Dimension];
        double l1 = oracle.LossAndGradient(x, g1);
        double l2 = task.Model.Clone().LossAndGradient(x, task.Train, oracle.Batch, g2);
        Assert.Equal(l2, l1);
        Assert.Equal(g2, g1);
        Assert.Equal(l1, oracle.Loss(x));
        var before = oracle.Batch.ToArray();
        oracle.DrawBatch(sampler);
        Assert.NotEqual(before, oracle.Batch.ToArray());
    }
}
