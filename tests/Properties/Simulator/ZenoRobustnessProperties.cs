using SimByz.Simulator.Engine;
using SimByz.Simulator.Output;
using SimByz.Simulator.Scenarios;
using SimByz.Testing.Simulator;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Simulator;

/// <summary>
/// Zeno and Zeno++ keep learning with arbitrarily many Byzantine workers on a strongly convex task
/// and Mean does not (the expected-failure control).
/// </summary>
/// <remarks>
/// <para>Task: the <c>quadratic</c> model on <c>quadratic:features=10,spread=0.5</c> data (f(x) = (μ/2)·mean‖x − zᵢ‖²,
/// centre c ~ N(0, I₁₀), so the start x = 0 is far from the optimum for every seed: ‖c‖² ~ χ²₁₀),
/// γ = 0.1, validation batch 16, test loss at the end. Honest reference: the same scenario and seed
/// with every worker honest, aggregated by Mean (sync) or plain async SGD (async).</para>
/// <para>Zeno (sync, wait all, T = 40 rounds): for every n in 3..7, q in 0..n−1, b in {q, q+1} (b &lt; n)
/// and every attack of <see cref="SimByzArbitraries.RobustnessAttacks"/> (all gradient attacks but
/// omission, incl. zeno-aware and the adaptive optimal-ipm/alie): final &lt; initial, and
/// final − honest ≤ 0.1·(initial − honest) + 0.1·honest. The second term is SGD's noise floor: Zeno
/// averages n − b gradients (down to one) where the honest run averages n, and with a constant step
/// the stationary excess loss grows as the averaged count shrinks. Held over a deep run
/// (SIMBYZ_PROPERTY_MAXTEST=600: 300 cases per property).</para>
/// <para>Mean fails (expected failure): with q ≥ 1 and the attacks gaussian:sigma=200, ipm:eps=100,
/// optimal-ipm, nonfinite, large-norm, and sign-flip:s=4 when 5q ≥ n + 2 (the mean of the sent vectors
/// is then (n − 5q)/n·g, an ascent direction), Mean's final loss is non-finite or above the initial
/// loss, and above Zeno's. Not claimed for alie, mimic, zero, honest, ipm:eps=0.1, zeno-aware,
/// bitflip and optimal-alie: on this task they slow Mean down but it still descends.</para>
/// <para>Zeno++ (async, compute ~ exponential(2 ms), staleness bound s in 0..4, T = 100 server
/// updates, default zenopp): final &lt; initial for any number of Byzantine workers (REFERENCE.md: no
/// arbitrarily bad result), and, while honest workers are at least half (q ≤ n/2), the decrease is at least half the
/// honest run's. Not claimed with a Byzantine majority: an attack crafted to pass Zeno++'s test (zeno-aware) can then
/// take nearly every server update with vectors that descend less than honest gradients; CI found such a case on
/// 2026-12-02 (there 97 crafted updates applied against 3 honest ones, 16 of the honest worker's 19 messages dropped as
/// stale), pinned in <see cref="ZenoPlusPlus_ZenoAwareMajority_DescendsButLessThanHalfTheHonestRun"/>.</para>
/// </remarks>
public class ZenoRobustnessProperties
{
    private static readonly Scenario Base = ScenarioLoader.Parse(SimulatorInvariantProperties.BaseJson, "property");

    private static string[] Common(RobustnessCase c, int steps) => ["task.data=\"quadratic:features=10,train=600,test=100,spread=0.5\"", $"workers.count={c.Workers}", $"budget.steps={steps}", $"evaluation.every={steps}", $"seed={c.Seed}"];

    private static string[] Attack(RobustnessCase c, string attack)
        => [$"byzantine.count={c.Byzantine}", c.Byzantine > 0 ? $"byzantine.attack=\"{attack}\"" : "byzantine.attack=null"];

    private static IReadOnlyList<RunResult> Run(params string[] sets)
    {
        var s = Base.With(sets);
        return ExperimentRunner.RunAll(s, ScenarioBuilder.Build(s), 1);
    }

    private static (double Initial, double Final) Honest(RobustnessCase c, int steps, string defence, params string[] protocol)
    {
        var r = Run([.. Common(c, steps), .. protocol, "byzantine.count=0", "byzantine.attack=null", $"defences=[\"{defence}\"]"])[0];
        return (r.Rows[0].TestLoss, r.Final.TestLoss);
    }

    private static readonly HashSet<string> MeanBreakers = ["gaussian:sigma=200", "ipm:eps=100", "optimal-ipm", "nonfinite", "large-norm"];

    [BudgetedProperty(Divisor = 2, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Zeno_AnyNumberOfByzantine_LossDecreasesToNearTheHonestRun(RobustnessCase c)
    {
        var results = Run([.. Common(c, 40), .. Attack(c, c.Attack), $"defences=[\"zeno:b={c.Dropped}\"]"]);
        double initial = results[0].Rows[0].TestLoss, final = results[0].Final.TestLoss;
        var honest = Honest(c, 40, "mean");
        Assert.True(final < initial, $"zeno: loss {initial} → {final}");
        Assert.True(final - honest.Final <= 0.1 * (initial - honest.Final) + 0.1 * honest.Final,
            $"zeno: final {final}, honest-only {honest.Final}, initial {initial}: excess {final - honest.Final} > 10 % of the gap + 10 % of the honest loss");
    }

    [BudgetedProperty(Divisor = 2, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Mean_BreakingAttacks_DivergesAndLosesToZeno_ExpectedFailure(RobustnessCase c)
    {
        string attack = c.Attack;
        if (!MeanBreakers.Contains(attack)) attack = 5 * c.Byzantine >= c.Workers + 2 ? "sign-flip:s=4" : "large-norm";
        var caseWithByzantine = c.Byzantine == 0 ? c with { Byzantine = 1, Dropped = Math.Max(1, c.Dropped) } : c;
        var results = Run([.. Common(caseWithByzantine, 40), .. Attack(caseWithByzantine, attack), $"defences=[\"mean\",\"zeno:b={caseWithByzantine.Dropped}\"]"]);
        double initial = results[0].Rows[0].TestLoss, mean = results[0].Final.TestLoss, zeno = results[1].Final.TestLoss;
        Assert.True(!double.IsFinite(mean) || (mean > initial && mean > zeno), $"mean under {attack} (n={c.Workers}, q={caseWithByzantine.Byzantine}): {initial} → {mean}; zeno {zeno}");
    }

    /// <summary>The case under Zeno++ (staleness bound = seed mod 5; zeno-aware aimed at Zeno++) and the honest
    /// async-SGD run of the same scenario: Zeno++'s initial and final test loss and the honest run's decrease.</summary>
    private static (long Bound, double Initial, double Final, double HonestDecrease) ZenoPlusPlus(RobustnessCase c)
    {
        long bound = (long)(c.Seed % 5);
        string attack = c.Attack.StartsWith("zeno-aware", StringComparison.Ordinal) ? "zeno-aware:target=zenopp" : c.Attack;
        string[] protocol = ["protocol.kind=async", $"protocol.maxStaleness={bound}", "workers.compute=\"exponential:mean=2ms\""];
        var result = Run([.. Common(c, 100), .. protocol, .. Attack(c, attack), "defences=[\"zenopp\"]"])[0];
        var honest = Honest(c, 100, "async-sgd", protocol);
        return (bound, result.Rows[0].TestLoss, result.Final.TestLoss, honest.Initial - honest.Final);
    }

    [BudgetedProperty(Divisor = 2, Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void ZenoPlusPlus_BoundedStaleness_AnyNumberOfByzantine_LossDecreases(RobustnessCase c)
    {
        var (bound, initial, final, honestDecrease) = ZenoPlusPlus(c);
        Assert.True(final < initial, $"zeno++: loss {initial} → {final}");
        if (2 * c.Byzantine <= c.Workers)
        {
            Assert.True(initial - final >= 0.5 * honestDecrease,
                $"zeno++ (staleness ≤ {bound}): decrease {initial - final} < half the honest run's {honestDecrease}");
        }
    }

    /// <summary>
    /// The counterexample CI found to the former claim "at least half the honest run's decrease for any q" (FsCheck replay
    /// 8120158729210747179,8321279357451395251,50): n = 7, q = 6, zeno-aware against Zeno++, staleness ≤ 4 (seed 948644
    /// mod 5). Zeno++ rejects none of the crafted vectors and applies 97 of them against 3 honest ones; the loss still
    /// falls (the claim that stands), by less than half the honest run's decrease.
    /// </summary>
    [Fact]
    public void ZenoPlusPlus_ZenoAwareMajority_DescendsButLessThanHalfTheHonestRun()
    {
        var (bound, initial, final, honestDecrease) = ZenoPlusPlus(new RobustnessCase(7, 6, 6, "zeno-aware:target=zeno", 948644));
        Assert.Equal(4, bound);
        Assert.True(final < initial, $"zeno++: loss {initial} → {final}");
        Assert.True(initial - final < 0.5 * honestDecrease, $"the pinned case changed: decrease {initial - final}, honest {honestDecrease}");
    }
}
