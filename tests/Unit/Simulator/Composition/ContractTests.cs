using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Testing.Contracts;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Composition;

/// <summary>The reusable contracts of SimByz.Testing (what plug-in authors run) hold for the built-ins and catch broken components.</summary>
public class ContractTests
{
    private static readonly AggregatorBuildContext Context = new(Seed: 3, DeclaredByzantine: 2);

    [Theory]
    [InlineData("mean", true, true)]
    [InlineData("median", true, true)]
    [InlineData("trimmed-mean:b=2", true, true)]
    [InlineData("geometric-median", true, true)]
    [InlineData("krum:f=2", true, true)]
    [InlineData("multi-krum:f=2", true, true)]
    [InlineData("bulyan:f=2", true, false)]
    [InlineData("meamed:f=2", true, true)]
    [InlineData("mda:f=2", true, true)]
    [InlineData("cc:tau=1000000000,iters=2", true, true)]
    [InlineData("monna:f=2", true, false)]
    [InlineData("sign-majority", false, true)]
    [InlineData("bucketing:s=2+krum:f=1", true, false)]
    [InlineData("nnm:f=2+trimmed-mean:b=2", true, true)]
    [InlineData("arc:f=2+median", true, true)]
    public void AggregatorContract_BuiltInRule_Holds(string spec, bool identity, bool permutation)
        => AggregatorContract.Verify(() => AggregatorCatalog.BuiltIn.Create(spec, Context),
            new AggregatorContract.Options(Identity: identity, PermutationInvariant: permutation, Catalog: AggregatorCatalog.BuiltIn));

    [Theory]
    [InlineData("sign-flip")]
    [InlineData("ipm:eps=0.5")]
    [InlineData("alie")]
    [InlineData("gaussian:sigma=3")]
    [InlineData("optimal-ipm")]
    [InlineData("omission")]
    public void GradientAttackContract_BuiltInAttack_Holds(string spec)
        => GradientAttackContract.Verify(() => AttackCatalog.BuiltIn.CreateGradientAttack(spec, new AttackBuildContext(3, 3)));

    [Fact]
    public void AggregatorContract_ToleranceThatLies_IsCaught()
    {
        var error = Assert.Throws<ContractViolationException>(() => AggregatorContract.Verify(() => new LyingKrum(AggregatorCatalog.BuiltIn.Create("krum:f=2", Context))));
        Assert.Contains("CheckTolerance(", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AggregatorContract_NonDeterministicRule_IsCaught()
    {
        var error = Assert.Throws<ContractViolationException>(() => AggregatorContract.Verify(() => new Drifting()));
        Assert.Contains("not deterministic", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Krum that declares no condition: its Aggregate still throws for n ≤ 2f+2.</summary>
    private sealed class LyingKrum(IAggregator inner) : IAggregator
    {
        public string Spec => inner.Spec;

        public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
            => inner.Aggregate(input, output, context, diagnostics);
    }

    /// <summary>A rule with hidden state that Reset does not clear.</summary>
    private sealed class Drifting : IAggregator
    {
        private static int s_calls;

        public string Spec => "drifting";

        public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
        {
            int calls = Interlocked.Increment(ref s_calls);
            for (int j = 0; j < output.Length; j++) output[j] = input.Row(0)[j] + (calls % 2);
        }
    }
}
