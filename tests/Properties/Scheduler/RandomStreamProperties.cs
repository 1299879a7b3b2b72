using SimByz.Scheduler;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Scheduler;

/// <summary>Determinism and stream independence (DESIGN.md, Randomness).</summary>
public class RandomStreamProperties
{
    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void HoldModel_SameSeed_SameEventsAndDraws(HoldScenario scenario)
        => Assert.Equal(HoldModel.Run(scenario), HoldModel.Run(scenario));

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Derive_UnrelatedStreamsDerivedAndDrawnInBetween_LeaveDrawsUnchanged(StreamScenario s)
    {
        var alone = RandomStreams.Derive(s.Root, s.Purpose, s.Entity);
        var expected = new ulong[s.Draws];
        for (int i = 0; i < s.Draws; i++) expected[i] = alone.NextUInt64();

        var others = new List<RandomStream>();
        var target = RandomStreams.Derive(s.Root, s.Purpose, s.Entity);
        for (int i = 0; i < s.Draws; i++)
        {
            if (s.Others.Length > 0)
            {
                var (purpose, entity) = s.Others[i % s.Others.Length];
                var other = RandomStreams.Derive(s.Root, purpose, entity);
                others.Add(other);
                foreach (var o in others) o.NextUInt64();
                Assert.NotEqual(RandomStreams.DeriveSeed(s.Root, s.Purpose, s.Entity), RandomStreams.DeriveSeed(s.Root, purpose, entity));
            }
            Assert.Equal(expected[i], target.NextUInt64());
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void HoldModel_AddingWorkers_LeavesEachExistingWorkersDelaysUnchanged(HoldScenario scenario, byte extra)
    {
        var small = HoldModel.Run(scenario);
        var large = HoldModel.Run(scenario, extraWorkers: 1 + extra % 8);
        for (int w = 0; w < scenario.Workers; w++)
        {
            var a = small.Where(e => e.Worker == w).Select(e => e.NextDelay).ToList();
            var b = large.Where(e => e.Worker == w).Select(e => e.NextDelay).ToList();
            int common = Math.Min(a.Count, b.Count);
            Assert.Equal(a.Take(common), b.Take(common));
        }
    }
}
