using SimByz.Scheduler;
using SimByz.Tests.Properties.Generators;
using Xunit;
using static SimByz.Tests.Properties.Aggregation.RuleHarness;

namespace SimByz.Tests.Properties.Aggregation;

/// <summary>
/// The contract every registered synchronous rule keeps, checked over generated
/// gradient batches (honest rows, then catalogue-attack / huge / non-finite / copied / near-tie rows).
/// </summary>
/// <remarks>
/// Documented exceptions, each following from the rule's definition:
/// <list type="bullet">
/// <item>Permutation: <c>monna</c> is not invariant (its pivot is the input at index idx, trusted
/// by definition); nor is <c>bulyan</c> in general (its own documentation: a late iterated-Krum round
/// with one neighbour scores mutual nearest neighbours equally and takes the lower index; the
/// diagnostics show only first-round scores, so the tie cannot be told apart here — shrunk
/// counterexample d = 1, rows 1, 1.625, 5, −165, 9, 1.6250001, −∞, 0 with f = 1). Rules that break ties by the lower input index (<c>krum</c>, <c>multi-krum</c>,
/// <c>bulyan</c>, <c>zeno</c>, <c>mda</c>) are invariant except when a tie decides the selection;
/// such a case must show the tie (equal score multisets with a repeated value, or for mda two
/// subsets of minimum diameter). Float64 sums in index order allow a difference of 1e-5 times the largest
/// finite input magnitude in the coordinate (cancelling ±1e20 rows make the rounding order-dependent).</item>
/// <item>Identity: <c>sign-majority</c> returns sign(v), not v.</item>
/// <item>Translation equivariance: not <c>cc</c> (clips around the previous output, 0 at the
/// start), <c>sign-majority</c>, <c>zeno</c> (scores against the validation loss), and the byzfl
/// geometric median (starts at 0; the fedlib variant checked here starts at the mean).</item>
/// <item>Scale equivariance Agg(c·v) = c·Agg(v) (c ∈ {−2, −1, ½, 2, 4}): not <c>cc</c>, <c>zeno</c>,
/// <c>geometric-median</c> (the smoothing ν is an absolute distance); <c>sign-majority</c> is
/// invariant for c &gt; 0 instead; <c>meamed</c> and <c>bulyan</c> only for c &gt; 0 (a value below and one
/// above the median at equal distance: the lower is kept first, and a negation makes it the higher:
/// shrunk counterexample honest y {1.75, 0.25, 2, 0.75, 0.625} + 1.5, f = 1, c = −2).</item>
/// <item>Honest range: only median and trimmed mean promise it; meamed does not (honest {−3, −1.625},
/// Byzantine −1, f = 1: the two values closest to the median −1.625 average to −1.3125).</item>
/// <item>Iterative geometric median (fedlib, stopped by relative change): permutations change the
/// float summation order, so outputs agree within 1e-3 relative, not 1e-5 (a 1e12 outlier slows
/// Weiszfeld enough to show it); and relative to the largest input magnitude over every coordinate, not per
/// coordinate, because Weiszfeld's weights come from whole-row distances: the rounding of a cancelling ±1e12
/// coordinate moves the weights and so every coordinate, and where the stopping rule fires (shrunk counterexample,
/// CI 2026-12-01: rows (0,0), (1e12,0), (0,−4), (−1e12,0), (0,0), 2000 iterations, eps 1e-12: the second coordinate
/// −0.05 against −1.33 under permutation 1,4,0,3,2, both still far from the median (0,0) when the rule stops).</item>
/// </list>
/// Equivariance is checked on grid-valued rows (honest, copies, arbitrary grid rows, sign flips),
/// where translations and power-of-two scalings are exact in float32, so selections cannot move.
/// </remarks>
public class AggregatorContractProperties
{
    private static readonly HashSet<string> TieBreakers = ["krum", "multi-krum", "bulyan", "zeno", "mda"];

    private static readonly HashSet<string> GridLabels = ["arbitrary", "copy", "zero", "mimic", "honest", "bitflip", "sign-flip:s=4"];

    private static int[] Permutation(int n, ulong seed)
    {
        var p = Enumerable.Range(0, n).ToArray();
        RandomStreams.Derive(seed, StreamPurpose.Attack, 1).Shuffle(p.AsSpan());
        return p;
    }

    /// <summary>The case CI found on 2026-12-01 (fedlib geometric median, a ±1e12 pair; see the remarks), kept as a regression.</summary>
    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) }, Replay = "2799564881625966700,11024430292830956251,85", MaxTest = 1)]
    public void Aggregate_PermutedInputs_SameOutput_FoundInCi(GradientCase c) => Aggregate_PermutedInputs_SameOutput(c);

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Aggregate_PermutedInputs_SameOutput(GradientCase c)
    {
        var rows = c.Rows;
        var perm = Permutation(rows.Length, c.Seed);
        var permuted = perm.Select(i => rows[i]).ToArray();
        foreach (string name in Names)
        {
            if (name is "monna" or "bulyan") continue;
            if (Run(name, rows, c.ByzantineCount) is not { } a) continue;
            var b = TryRun(Spec(name, a.F), permuted)!.Value;
            if (CloseWithinSummationError(a.Output, b.Output, rows, name == "geometric-median" ? 1e-3 : 1e-5, wholeRow: name == "geometric-median")) continue;
            Assert.True(TieBreakers.Contains(name), $"{Spec(name, a.F)}: {Show(a.Output)} vs permuted {Show(b.Output)} (permutation {string.Join(",", perm)})");
            Assert.True(HasTie(name, rows, a.F, a.Diagnostics, b.Diagnostics),
                $"{Spec(name, a.F)}: outputs differ without a tie: {Show(a.Output)} vs {Show(b.Output)} (permutation {string.Join(",", perm)})");
        }
    }

    /// <summary>
    /// Equal up to the rounding of a reordered float64 sum: per coordinate, <paramref name="relative"/>
    /// times the largest finite input magnitude there (cancelling ±1e20 rows make the sum's rounding
    /// depend on the order: shrunk counterexample for mean, coordinate values 0, 1e20, 0.875, −1e20).
    /// </summary>
    private static bool CloseWithinSummationError(float[] a, float[] b, float[][] rows, double relative, bool wholeRow = false)
    {
        // wholeRow: the scale is the largest finite input magnitude over every coordinate (a rule whose weights come from
        // whole-row distances carries one coordinate's rounding into the others).
        double rowScale = 1;
        if (wholeRow)
        {
            foreach (var r in rows)
            {
                foreach (float v in r) if (float.IsFinite(v)) rowScale = Math.Max(rowScale, Math.Abs((double)v));
            }
        }
        for (int j = 0; j < a.Length; j++)
        {
            if (float.IsNaN(a[j]) || float.IsNaN(b[j]) || !float.IsFinite(a[j]) || !float.IsFinite(b[j]))
            {
                if (!Close(a[j], b[j])) return false;
                continue;
            }
            double scale = rowScale;
            foreach (var r in rows)
            {
                if (float.IsFinite(r[j])) scale = Math.Max(scale, Math.Abs((double)r[j]));
            }
            if (Math.Abs((double)a[j] - b[j]) > relative * scale) return false;
        }
        return true;
    }

    private static bool HasTie(string name, float[][] rows, int mdaF, SimByz.Aggregation.AggregationDiagnostics a, SimByz.Aggregation.AggregationDiagnostics b)
    {
        if (name == "mda")
        {
            // A tie for MDA: the minimum diameter over the (n − f)-subsets is attained by two subsets
            // (often through the same farthest pair, e.g. rows a, b, c, e where dropping a or c leaves b–e).
            int f = mdaF;
            var diameters = new List<double>();
            Subsets(rows.Length, rows.Length - f, subset =>
            {
                double diameter = 0;
                for (int i = 0; i < subset.Count; i++)
                {
                    for (int k = i + 1; k < subset.Count; k++)
                    {
                        // The rule's arithmetic (float32 differences and squares, float64 sum); a non-finite row is infinitely far.
                        double d2 = DetVec.SquaredDistance(rows[subset[i]], rows[subset[k]]);
                        diameter = Math.Max(diameter, double.IsNaN(d2) ? double.PositiveInfinity : d2);
                    }
                }
                diameters.Add(diameter);
            });
            double min = diameters.Min();
            return diameters.Count(x => x == min) > 1;
        }
        var sa = a.Scores.ToArray().OrderBy(x => x).ToArray();
        var sb = b.Scores.ToArray().OrderBy(x => x).ToArray();
        return sa.SequenceEqual(sb) && sa.Distinct().Count() < sa.Length;
    }

    private static void Subsets(int n, int k, Action<List<int>> visit)
    {
        var current = new List<int>();
        void Recurse(int start)
        {
            if (current.Count == k)
            {
                visit(current);
                return;
            }
            for (int i = start; i <= n - (k - current.Count); i++)
            {
                current.Add(i);
                Recurse(i + 1);
                current.RemoveAt(current.Count - 1);
            }
        }
        Recurse(0);
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Aggregate_IdenticalInputs_ReturnsThatInput(GradientCase c)
    {
        var row = c.Honest[0];
        var rows = Enumerable.Repeat(row, c.Count).ToArray();
        foreach (string name in Names)
        {
            if (Run(name, rows, c.ByzantineCount) is not { } r) continue;
            var expected = name == "sign-majority" ? row.Select(v => (float)Math.Sign(v)).ToArray() : row;
            Assert.True(Close(expected, r.Output, 1e-6), $"{Spec(name, r.F)} on {c.Count} copies of {Show(row)} gave {Show(r.Output)}");
        }
    }

    private static readonly HashSet<string> NotTranslationEquivariant = ["cc", "sign-majority", "zeno"];

    private static float[][] GridRows(GradientCase c)
        => [.. c.Honest, .. c.Byzantine.Where((_, i) => GridLabels.Contains(c.Labels[i]))];

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Aggregate_TranslatedInputs_TranslatedOutput(GradientCase c)
    {
        var rows = GridRows(c);
        var shift = Permutation(c.Dimension, c.Seed).Select(i => (i - 2) * 0.375f).ToArray();
        var moved = rows.Select(r => r.Select((v, j) => v + shift[j]).ToArray()).ToArray();
        foreach (string name in Names)
        {
            if (NotTranslationEquivariant.Contains(name)) continue;
            if (Run(name, rows, rows.Length - c.HonestCount) is not { } a) continue;
            var b = MustRun(Spec(name, a.F), moved);
            var expected = a.Output.Select((v, j) => v + shift[j]).ToArray();
            Assert.True(Close(expected, b, 1e-4), $"{Spec(name, a.F)}: Agg(v + t) = {Show(b)}, Agg(v) + t = {Show(expected)}, t = {Show(shift)}");
        }
    }

    private static readonly HashSet<string> NotScaleEquivariant = ["cc", "zeno", "geometric-median"];

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Aggregate_ScaledInputs_ScaledOutput(GradientCase c)
    {
        var rows = GridRows(c);
        float scale = new[] { -2f, -1f, 0.5f, 2f, 4f }[(int)(c.Seed % 5)];
        var scaled = rows.Select(r => r.Select(v => v * scale).ToArray()).ToArray();
        foreach (string name in Names)
        {
            if (NotScaleEquivariant.Contains(name)) continue;
            if (name is "sign-majority" or "meamed" or "bulyan" && scale < 0) continue;
            if (Run(name, rows, rows.Length - c.HonestCount) is not { } a) continue;
            var b = MustRun(Spec(name, a.F), scaled);
            var expected = name == "sign-majority" ? a.Output : a.Output.Select(v => v * scale).ToArray();
            Assert.True(Close(expected, b, 1e-5), $"{Spec(name, a.F)}: Agg({scale}·v) = {Show(b)}, expected {Show(expected)}");
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void MedianAndTrimmedMean_HonestMajority_InsideHonestRangePerCoordinate(GradientCase c)
    {
        var small = c.WithByzantine(Math.Min(c.ByzantineCount, c.HonestCount - 1));
        var rows = small.Rows;
        int q = small.ByzantineCount;
        foreach (string spec in new[] { "median", $"trimmed-mean:b={q}" })
        {
            var output = TryRun(spec, rows);
            if (output is null) continue;
            for (int j = 0; j < c.Dimension; j++)
            {
                float lo = small.Honest.Min(r => r[j]), hi = small.Honest.Max(r => r[j]);
                float v = output.Value.Output[j];
                Assert.True(v >= lo && v <= hi, $"{spec}: coordinate {j} = {v} outside the honest range [{lo}, {hi}] (q = {q} of n = {rows.Length})");
            }
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void Krum_AnyBatch_ReturnsOneOfItsInputs(GradientCase c)
    {
        var rows = c.Rows;
        foreach (string variant in new[] { "blanchard", "byzfl" })
        {
            for (int f = c.ByzantineCount; f >= 0; f--)
            {
                var r = TryRun($"krum:f={f},variant={variant}", rows);
                if (r is null) continue;
                var output = r.Value.Output;
                bool allNonFinite = rows.All(row => !row.All(float.IsFinite));
                Assert.True(allNonFinite || rows.Any(row => row.AsSpan().SequenceEqual(output)),
                    $"krum:f={f},variant={variant} returned {Show(output)}, which is not an input");
                break;
            }
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void GeometricMedian_FiniteInputs_MeetsSmoothedOptimalityCondition(GradientCase c)
    {
        // Smoothed Weiszfeld with ν minimizes Σ h_ν(‖vᵢ − z‖), h_ν the Huber-like smoothing whose
        // gradient is (z − vᵢ)/max(‖vᵢ − z‖, ν): at the optimum Σ (vᵢ − z)/max(‖vᵢ − z‖, ν) = 0.
        var rows = c.Rows.Where(r => r.All(v => float.IsFinite(v) && Math.Abs(v) < 1e4)).ToArray();
        const double nu = 0.1;
        var z = MustRun(Spec("geometric-median", 0), rows);
        var residual = new double[c.Dimension];
        foreach (var v in rows)
        {
            double dist = Math.Sqrt(DetVec.SquaredDistance(v, z));
            for (int j = 0; j < residual.Length; j++) residual[j] += (v[j] - (double)z[j]) / Math.Max(dist, nu);
        }
        double norm = Math.Sqrt(residual.Sum(x => x * x));
        double scale = rows.Max(r => r.Max(v => Math.Abs(v)));
        Assert.True(norm <= 1e-2 * rows.Length * Math.Max(1, scale / nu * 1e-3),
            $"Σ(vᵢ − z)/max(‖vᵢ − z‖, ν) has norm {norm} at z = {Show(z)}");
    }

    /// <summary>Rules that promise a finite output with at most f non-finite rows among honest ones (the
    /// tolerated count: each rule at the largest f ≤ the generated q it accepts for n).</summary>
    private static readonly string[] RobustRules =
        ["median", "trimmed-mean", "geometric-median", "krum", "multi-krum", "bulyan", "cc", "meamed", "mda", "monna", "sign-majority", "zeno"];

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void RobustRules_AtMostFNonFiniteRows_FiniteOutput(GradientCase c)
    {
        // Honest rows first (monna's pivot idx=0 is honest), then every Byzantine row made non-finite
        // (NaN, +∞, −∞ by position), huge finite rows kept as they are.
        var byz = c.Byzantine.Select((r, i) => r.Select((v, j) => (i + j) % 3 switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity }).ToArray());
        var rows = c.Honest.Concat(byz).ToArray();
        foreach (string name in RobustRules)
        {
            if (name == "median" && 2 * c.ByzantineCount >= rows.Length) continue; // median tolerates q < n/2
            if (Run(name, rows, c.ByzantineCount) is not { } r) continue;
            if (r.F < c.ByzantineCount) continue; // the rule cannot tolerate this many at this n
            Assert.True(r.Output.All(float.IsFinite), $"{Spec(name, r.F)} with {c.ByzantineCount} non-finite rows of {rows.Length}: {Show(r.Output)}");
        }
    }
}
