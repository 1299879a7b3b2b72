using SimByz.Attacks;
using SimByz.Simulator.Engine;
using SimByz.Specs;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

/// <summary>A data attack (a plug-in's) that gives a label outside the task's classes gets a user error naming it, the row
/// and the range, when the run poisons the Byzantine workers' data; one inside the range trains.</summary>
public sealed class PoisonedLabelTests
{
    private sealed class ShiftLabels(int shift) : IDataAttack
    {
        public string Spec => $"shift-labels:by={shift}";

        public int PoisonLabel(int label, int classCount) => label + shift;
    }

    private static RunSetup Setup(int shift) => InProcessPlugins.Resolve(
        r => r.AddDataAttack(new ComponentInfo("shift-labels", "label + by", "test", "any", []), (p, _) => new ShiftLabels(p.GetInt("by", 0, -10, 10))),
        $"byzantine.dataAttack=shift-labels:by={shift}", "byzantine.attack=honest", "budget.steps=2", "defences=[\"mean\"]");

    [Fact]
    public void LabelOutsideTheClasses_ClearErrorNamingTheAttackAndRow()
    {
        var error = Assert.Throws<SimByzException>(() => new TrainingRun(Setup(4), "mean"));
        Assert.Contains("data attack 'shift-labels:by=4' gave label", error.Message, StringComparison.Ordinal);
        Assert.Contains("labels must be in [0, 4)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelInsideTheClasses_Trains()
    {
        var run = new TrainingRun(Setup(0), "mean");
        Assert.Equal(2, run.Run().Steps);
    }
}
