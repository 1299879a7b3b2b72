using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Sweeps;
using Xunit;

namespace SimByz.Tests.Unit.Sweeps;

public class RunStoreTests
{
    private static readonly RunResult Result = new("mean",
    [
        new MetricsRow
        {
            Defence = "mean", TimeNs = 5, Step = 2, LearningRate = 0.1, TrainLoss = 1.5, ValidationLoss = 1.25,
            ValidationAccuracy = 0.5, TestLoss = 1.75, TestAccuracy = 0.25, Counts = new MessageCounts(1, 2, 3, 4, 5, 6),
            StalenessMin = double.NaN, StalenessMean = double.NaN, StalenessMax = double.NaN,
        },
    ], 2, SimTime.FromNanoseconds(5), 40, 21, "steps");

    [Fact]
    public void WriteResult_Row_FieldsInMetricsCsvOrder()
    {
        var row = (Newtonsoft.Json.Linq.JObject)RunStore.WriteResult(Result)["rows"]![0]!;
        Assert.Equal(
            ["timeNs", "step", "learningRate", "trainLoss", "validationLoss", "validationAccuracy", "testLoss", "testAccuracy",
             "honestApplied", "honestRejected", "honestDropped", "byzantineApplied", "byzantineRejected", "byzantineDropped",
             "stalenessMin", "stalenessMean", "stalenessMax"],
            row.Properties().Select(p => p.Name));
    }

    [Fact]
    public void ReadResult_OfWriteResult_EqualRows()
        => Assert.Equal(Result.Rows, RunStore.ReadResult(RunStore.WriteResult(Result), "mean").Rows);
}
