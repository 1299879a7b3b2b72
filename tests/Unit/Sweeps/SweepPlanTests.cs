using SimByz.Simulator.Sweeps;
using Xunit;
using static SimByz.Tests.Unit.Sweeps.SweepFixtures;

namespace SimByz.Tests.Unit.Sweeps;

public class SweepPlanTests
{
    internal static List<SweepRun> Runs(SweepPlan plan) => Enumerable.Range(0, plan.RunCount).Select(plan.Run).ToList();

    [Fact]
    public void Create_CartesianProduct_InDocumentedGridOrder()
    {
        var plan = Plan("\"defences\": [\"mean\", \"median\"], \"attacks\": [\"none\", \"gaussian\"], \"q\": [2, 1], " +
            "\"delays\": [\"constant:t=10ms\", \"constant:t=20ms\"], \"seeds\": [5, 4]");
        var expected = new List<(int, string, string, string, ulong)>();
        foreach (int q in new[] { 2, 1 })
        {
            foreach (string delay in new[] { "constant:t=10ms", "constant:t=20ms" })
            {
                foreach (string attack in new[] { "none", "gaussian" })
                {
                    foreach (string defence in new[] { "mean", "median" })
                    {
                        foreach (ulong seed in new ulong[] { 5, 4 }) expected.Add((q, delay, attack, defence, seed));
                    }
                }
            }
        }
        var runs = Runs(plan);
        Assert.Equal(expected, runs.Select(r => (r.Point.Q, r.Point.Delay, r.Point.Attack.Label, r.Defence, r.Point.Seed)));
        Assert.Equal(Enumerable.Range(0, 32), runs.Select(r => r.Index));
        Assert.Equal(16, runs.Select(r => plan.CellOf(r.Index)).Distinct().Count()); // the defences of a cell share its setup
        Assert.Equal(8, plan.TemplateCount);
        foreach (var run in runs)
        {
            var s = run.Scenario;
            Assert.Equal([run.Defence], s.Defences);
            Assert.Equal(run.Point.Q, s.Byzantine.Count);
            Assert.Equal(run.Point.Delay, s.Workers.Compute);
            Assert.Equal(run.Point.Seed, s.Seed);
            Assert.Equal(SweepPlan.Key(s, SweepFixtures.Version, null), run.Key); // keyed as the scenario itself
        }
        Assert.Equal(32, runs.Select(r => r.Key).Distinct().Count());
    }

    [Fact]
    public void Create_AttackValues_SetAttackOrDataAttack()
    {
        var plan = Plan("\"defences\": [\"mean\"], \"attacks\": [\"none\", \"label-flip\", \"sign-flip:s=2\"], \"q\": [0, 2], \"seeds\": [1]");
        var byzantine = Runs(plan).Select(r => (r.Point.Q, r.Point.Attack.Label, r.Scenario.Byzantine.Attack, r.Scenario.Byzantine.DataAttack)).ToList();
        Assert.Contains((0, "none", (string?)null, (string?)null), byzantine);
        Assert.Contains((2, "none", "honest", (string?)null), byzantine); // Byzantine workers that behave honestly
        Assert.Contains((2, "label-flip", (string?)null, "label-flip"), byzantine);
        Assert.Contains((2, "sign-flip:s=2", "sign-flip:s=2", (string?)null), byzantine);
    }

    [Fact]
    public void Create_DefenceInvalidAtOneQ_FailsBeforeAnyRunNamingTheAxisValues()
    {
        // krum's f defaults to q; with n = 8, q = 3 breaks n > 2f + 2.
        var ex = Assert.Throws<SimByzException>(() => Plan("\"defences\": [\"mean\", \"krum\"], \"q\": [1, 3], \"seeds\": [1]"));
        Assert.StartsWith("grid.json: $.axes.defences[1]: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("q = 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("attack = sign-flip:s=4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_AttackUndefinedAtOneQ_FailsBeforeAnyRunNamingTheAttackAxis()
    {
        // ALIE's z = auto needs f < ⌊n/2+1⌋ = 5 with n = 8: checked when the attack crafts, probed at planning.
        var ex = Assert.Throws<SimByzException>(() => Plan("\"defences\": [\"median\"], \"attacks\": [\"none\", \"alie\"], \"q\": [2, 5], \"seeds\": [1]"));
        Assert.StartsWith("grid.json: $.axes.attacks[1]: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("z=auto is undefined for n=8, f=5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("q = 5", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, Plan("\"defences\": [\"median\"], \"attacks\": [\"none\", \"alie:z=1.5\"], \"q\": [2, 5], \"seeds\": [1]").RunCount);
    }

    [Fact]
    public void Create_TwoAxisValuesGivingTheSameRun_RejectedNamingBoth()
    {
        // "none" is run as the honest attack (so f/b defaults stay tied to q): with "honest" beside it the
        // two grid points would store into one file.
        var ex = Assert.Throws<SimByzException>(() => Plan("\"defences\": [\"median\"], \"attacks\": [\"none\", \"honest\"], \"q\": [2], \"seeds\": [1]"));
        Assert.Contains("runs 0 (", ex.Message, StringComparison.Ordinal);
        Assert.Contains("and 1 (", ex.Message, StringComparison.Ordinal);
        Assert.Contains("same run", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_AsyncRuleInSyncBase_NamesTheDefenceAxis()
    {
        var ex = Assert.Throws<SimByzException>(() => Plan("\"defences\": [\"zenopp\"], \"seeds\": [1]"));
        Assert.StartsWith("grid.json: $.axes.defences[0]: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("asynchronous rule", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_DependsOnWhatChangesResults_NotOnNames()
    {
        var plan = Plan("\"defences\": [\"mean\"], \"seeds\": [1]");
        var s = plan.Run(0).Scenario;
        string key = SweepPlan.Key(s, "1.0", null);
        Assert.Equal(32, key.Length);
        Assert.Equal(key, SweepPlan.Key(s with { Name = "other", Description = "renamed" }, "1.0", null));
        Assert.NotEqual(key, SweepPlan.Key(s, "1.1", null));
        Assert.NotEqual(key, SweepPlan.Key(s, "1.0", "cpu"));
        Assert.NotEqual(key, SweepPlan.Key(s with { Seed = 2 }, "1.0", null));
        Assert.NotEqual(key, SweepPlan.Key(s with { ValidationBatch = s.ValidationBatch + 1 }, "1.0", null));
    }
}
