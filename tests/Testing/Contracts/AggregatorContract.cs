using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Testing.Contracts;

/// <summary>
/// The contract every synchronous aggregation rule keeps, as the built-in rules are tested and as a
/// plug-in author can test their own (any test framework: a violation throws
/// <see cref="ContractViolationException"/>).
/// </summary>
/// <remarks>
/// Checks, on seeded random batches (the same every run):
/// <list type="bullet">
/// <item>determinism: two fresh instances, and one instance after <see cref="IAggregator.Reset"/>, give the same bits;</item>
/// <item>a finite output for finite input, of length d, leaving the input untouched;</item>
/// <item>tolerance as data: for every n in [1, <see cref="Options.MaxInputs"/>], <see cref="IAggregator.CheckTolerance"/>
/// throws <see cref="SimByzException"/> exactly when <see cref="IAggregator.Aggregate"/> does;</item>
/// <item>identity on identical inputs (unless <see cref="Options.Identity"/> is false);</item>
/// <item>permutation invariance (unless <see cref="Options.PermutationInvariant"/> is false);</item>
/// <item>with a catalogue: the rule's <see cref="IAggregator.Spec"/> builds a rule with the same spec.</item>
/// </list>
/// </remarks>
public static class AggregatorContract
{
    /// <summary>What to check.</summary>
    /// <param name="Inputs">n of the main batches (the rule must tolerate it).</param>
    /// <param name="Dimension">d of the batches.</param>
    /// <param name="MaxInputs">The tolerance check runs n = 1..MaxInputs.</param>
    /// <param name="Identity">Check that n copies of v aggregate to v (within <paramref name="Tolerance"/>).</param>
    /// <param name="PermutationInvariant">Check that reordering the inputs does not change the output (within <paramref name="Tolerance"/>).</param>
    /// <param name="Tolerance">Absolute tolerance of the identity and permutation checks (0: bit-exact).</param>
    /// <param name="Catalog">When given, the spec round trip is checked against it.</param>
    /// <param name="Seed">Seed of the random batches.</param>
    public sealed record Options(int Inputs = 11, int Dimension = 7, int MaxInputs = 16, bool Identity = true, bool PermutationInvariant = true,
        double Tolerance = 1e-5, AggregatorCatalog? Catalog = null, ulong Seed = 12345);

    /// <summary>Runs every check on rules made by <paramref name="create"/> (called several times: each call a fresh instance).</summary>
    /// <exception cref="ContractViolationException">The first check that fails.</exception>
    public static void Verify(Func<IAggregator> create, Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(create);
        options ??= new Options();
        var rng = new RandomStream(options.Seed);
        int n = options.Inputs, d = options.Dimension;
        var data = Random(rng, n * d);
        var batch = new GradientBatch(data, n, d);
        var copy = (float[])data.Clone();

        var a = create();
        string spec = a.Spec;
        var first = Run(a, batch, spec, "a fresh instance");
        if (!data.AsSpan().SequenceEqual(copy)) throw new ContractViolationException($"{spec}: Aggregate changed its input");
        foreach (float v in first)
        {
            if (!float.IsFinite(v)) throw new ContractViolationException($"{spec}: non-finite output {v} for finite input (n = {n}, d = {d})");
        }
        SameBits(spec, "a second fresh instance", first, Run(create(), batch, spec, "a second fresh instance"));
        a.Reset();
        SameBits(spec, "the same instance after Reset", first, Run(a, batch, spec, "the same instance after Reset"));

        for (int m = 1; m <= options.MaxInputs; m++)
        {
            var rule = create();
            bool declared = Throws(() => rule.CheckTolerance(m));
            var small = new GradientBatch(Random(rng, m * d), m, d);
            bool actual = Throws(() => rule.Aggregate(small, new float[d], AggregationContext.None));
            if (declared != actual)
            {
                throw new ContractViolationException(declared
                    ? $"{spec}: CheckTolerance({m}) rejects n = {m}, but Aggregate accepts {m} inputs"
                    : $"{spec}: CheckTolerance({m}) accepts n = {m}, but Aggregate throws on {m} inputs");
            }
        }

        if (options.Identity)
        {
            var row = Random(rng, d);
            var same = new float[n * d];
            for (int i = 0; i < n; i++) row.CopyTo(same, i * d);
            var output = Run(create(), new GradientBatch(same, n, d), spec, "identical inputs");
            Close(spec, "identity on identical inputs", row, output, options.Tolerance);
        }

        if (options.PermutationInvariant)
        {
            var reversed = new float[n * d];
            for (int i = 0; i < n; i++) data.AsSpan((n - 1 - i) * d, d).CopyTo(reversed.AsSpan(i * d, d));
            Close(spec, "permutation invariance (inputs reversed)", first, Run(create(), new GradientBatch(reversed, n, d), spec, "reversed inputs"), options.Tolerance);
        }

        if (options.Catalog is { } catalog)
        {
            string again = catalog.Create(spec).Spec;
            if (again != spec) throw new ContractViolationException($"{spec}: its spec builds a rule whose spec is '{again}'");
        }
    }

    private static float[] Run(IAggregator rule, GradientBatch batch, string spec, string what)
    {
        var output = new float[batch.Dimension];
        try
        {
            rule.Aggregate(batch, output, AggregationContext.None);
        }
        catch (SimByzException e)
        {
            throw new ContractViolationException($"{spec}: {what}: Aggregate failed on n = {batch.Count}, d = {batch.Dimension}: {e.Message}", e);
        }
        return output;
    }

    private static bool Throws(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (SimByzException)
        {
            return true;
        }
    }

    private static float[] Random(RandomStream rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)rng.NextNormal();
        return values;
    }

    private static void SameBits(string spec, string what, float[] expected, float[] actual)
    {
        for (int j = 0; j < expected.Length; j++)
        {
            if (BitConverter.SingleToInt32Bits(expected[j]) != BitConverter.SingleToInt32Bits(actual[j]))
            {
                throw new ContractViolationException($"{spec}: not deterministic: {what} gives {actual[j]} at coordinate {j}, the first run {expected[j]}");
            }
        }
    }

    private static void Close(string spec, string what, float[] expected, float[] actual, double tolerance)
    {
        for (int j = 0; j < expected.Length; j++)
        {
            if (!(Math.Abs(expected[j] - actual[j]) <= tolerance))
            {
                throw new ContractViolationException($"{spec}: {what} fails at coordinate {j}: expected {expected[j]}, got {actual[j]} (tolerance {tolerance})");
            }
        }
    }
}
