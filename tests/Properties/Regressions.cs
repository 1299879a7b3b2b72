using SimByz.Tests.Properties.Scheduler;
using SimByz.Tests.Properties.Aggregation;
using SimByz.Tests.Properties.Generators;
using SimByz.Tests.Properties.Simulator;

namespace SimByz.Tests.Properties;

/// <summary>
/// Every counterexample FsCheck found while the suite was written, replayed at its failing step
/// (<c>Replay = "seed,gamma,size"</c>, as printed on "Replay directly at failing step with …"). Each
/// exposed a property that claimed too much; the fix is in the property's documented exceptions, and
/// the replay keeps the case in the suite. One case each (Divisor 1000).
/// </summary>
public class Regressions
{
    private readonly AggregatorContractProperties _contract = new();

    /// <summary>Empirical delay over two values (a symmetric two-point law): the sample variance's
    /// deviation is second order (σ²·χ²₁/n), which a normal bound on Var(s²) undercut (CI, session 1).</summary>
    [BudgetedProperty(Divisor = 1000, Replay = "75678161682411,18350568588445446069,2", Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Distribution_EmpiricalTwoPointVariance(EmpiricalCase c) => new DistributionProperties().Empirical_SampleMoments_WithinBounds(c);

    /// <summary>Bulyan's late one-neighbour Krum round breaks a mutual-nearest-neighbour tie by index (d = 1, f = 1).</summary>
    [BudgetedProperty(Divisor = 1000, Replay = "12273210032718919831,15403623565322363807,8", Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Permutation_BulyanLateRoundTie(GradientCase c) => _contract.Aggregate_PermutedInputs_SameOutput(c);

    /// <summary>Mean over 0, 1e20, 0.875, −1e20: the float64 sum's rounding depends on the order.</summary>
    [BudgetedProperty(Divisor = 1000, Replay = "2323868069202352105,6501984238715358549,20", Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Permutation_MeanCancellingHugeRows(GradientCase c) => _contract.Aggregate_PermutedInputs_SameOutput(c);

    /// <summary>MDA: two subsets share the minimum diameter through the same farthest pair.</summary>
    [BudgetedProperty(Divisor = 1000, Replay = "15378156856722222358,6202908918068485589,57", Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Permutation_MdaSharedDiameter(GradientCase c) => _contract.Aggregate_PermutedInputs_SameOutput(c);

    /// <summary>MDA with a NaN row and a float32 rounding tie (−1.25 − 0.62499994 rounds to −1.875).</summary>
    [BudgetedProperty(Divisor = 1000, Replay = "2786745845642229228,16413813399125696365,8", Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Permutation_MdaNaNRowAndRoundingTie(GradientCase c) => _contract.Aggregate_PermutedInputs_SameOutput(c);

    /// <summary>Bulyan (and meamed) under c = −2: at equal distance from the median the lower value is kept first, which negation makes the higher.</summary>
    [BudgetedProperty(Divisor = 1000, Replay = "4532124267570337532,12628146460296359993,8", Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Scale_BulyanNegativeScaleWindowTie(GradientCase c) => _contract.Aggregate_ScaledInputs_ScaledOutput(c);

    /// <summary>Zeno (n = 6, q = 2, b = 3, sign flip) on a seed whose start was near the optimum: the tolerance needs SGD's noise floor.</summary>
    [BudgetedProperty(Divisor = 1000, Replay = "9388175331042225871,2754933314746431869,29", Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Zeno_NearOptimumStart(RobustnessCase c) => new ZenoRobustnessProperties().Zeno_AnyNumberOfByzantine_LossDecreasesToNearTheHonestRun(c);

    /// <summary>Zeno++ (n = 7, q = 2, zeno-aware) whose honest run had little to gain from its start.</summary>
    [BudgetedProperty(Divisor = 1000, Replay = "17131516296313775124,5058468383669268857,53", Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void ZenoPlusPlus_NearOptimumStart(RobustnessCase c) => new ZenoRobustnessProperties().ZenoPlusPlus_BoundedStaleness_AnyNumberOfByzantine_LossDecreases(c);
}
