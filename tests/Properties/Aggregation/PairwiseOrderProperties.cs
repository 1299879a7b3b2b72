using FsCheck;
using FsCheck.Fluent;
using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Tests.Shared;
using Xunit;

namespace SimByz.Tests.Properties.Aggregation;

/// <summary>
/// The pairwise pass (<see cref="PairwiseDistances"/>: quads, 4×4 tiles ordered by column blocks, leftover groups, lanes
/// summed eight entries at a time, the work cut into parts) gives every pair's distance and every row's squared norm bit for
/// bit in the documented order (<see cref="LaneKernels"/>, "fma16", summed sub-block by sub-block from +0), and +∞ for every
/// pair with a non-finite row or a non-finite sum, for 1–48 rows, dimensions within one chunk (sub-blocks with and without a
/// tail; the sum over chunks is the unit tests') and any cut into parts. The widest kernels this machine runs only:
/// <c>scripts/test</c>'s pass without AVX-512 runs the unit tests, not the properties.
/// </summary>
public class PairwiseOrderProperties
{
    /// <summary>n rows of d values (row-major) and the number of parts the pass is cut into.</summary>
    public sealed record PassCase(int N, int D, int Parts, int Seed, float[] Values)
    {
        public override string ToString() => $"n = {N}, d = {D}, parts = {Parts}, values from seed {Seed}";
    }

    public static class Arbitraries
    {
        /// <summary>1–48 rows (every n mod 4, up to twelve quads, past the 16-row column blocks and the 24-row prefetch
        /// limit), 1–3·128 + 47 coordinates, 1 to max(1, n/4) parts; values of mixed magnitude, some rows copies of others
        /// (distance 0); now and then a row and its copy whose squares overflow at the same coordinate (non-finite norms,
        /// a finite difference: the pair is +∞ by the flag alone), and a pair of rows at ±1.5e19 there (finite norms, a
        /// difference whose square overflows: +∞ by the sum).</summary>
        public static Arbitrary<PassCase> Cases() => Arb.From(
            from n in Gen.Choose(1, 48)
            from d in Gen.OneOf(Gen.Choose(1, 3 * 128 + 47), Gen.Elements(16, 128, 2 * 128 + 48, 3 * 128))
            from parts in Gen.Choose(1, Math.Max(1, n / 4))
            from seed in Gen.Choose(0, int.MaxValue)
            select Make(n, d, parts, seed));

        private static PassCase Make(int n, int d, int parts, int seed)
        {
            var random = new Random(seed);
            var values = new float[n * d];
            for (int i = 0; i < n; i++)
            {
                if (i > 0 && random.Next(6) == 0)
                {
                    Array.Copy(values, random.Next(i) * d, values, i * d, d);
                    continue;
                }
                double scale = Math.Pow(10, random.Next(-6, 7));
                for (int k = 0; k < d; k++) values[i * d + k] = (float)((random.NextDouble() * 2 - 1) * scale);
            }
            if (n > 1 && random.Next(6) == 0)
            {
                // Row a overflows at coordinate k, and so does its copy b: their norms are +∞, their difference 0 there.
                int a = random.Next(n), b = random.Next(n), k = random.Next(d);
                values[a * d + k] = 3e38f;
                Array.Copy(values, a * d, values, b * d, d);
            }
            if (n > 2 && random.Next(6) == 0)
            {
                // Rows a and b at +1.5e19 and −1.5e19 at coordinate k: squares finite (2.25e38), the difference's square not.
                int a = random.Next(n), b = random.Next(n), k = random.Next(d);
                if (a != b)
                {
                    values[a * d + k] = 1.5e19f;
                    values[b * d + k] = -1.5e19f;
                }
            }
            return new PassCase(n, d, parts, seed, values);
        }
    }

    /// <summary>Row <paramref name="i"/>'s distance to row <paramref name="j"/> (or its squared norm) in the documented order.</summary>
    private static double Scalar(float[] values, int d, int i, int j, bool norm) =>
        DocumentedDistanceOrder.Blocked(values.AsSpan(i * d, d), norm ? new float[d] : values.AsSpan(j * d, d), Blocking.SubBlock);

    [BudgetedProperty(Arbitrary = new[] { typeof(Arbitraries) })]
    public void EveryPairAndNorm_IsTheDocumentedOrder_WhateverTheCut(PassCase c)
    {
        var distances = new PairwiseDistances { PartsOverride = c.Parts };
        distances.Compute(new GradientBatch(c.Values, c.N, c.D));
        var norms = new double[c.N];
        for (int i = 0; i < c.N; i++) norms[i] = Scalar(c.Values, c.D, i, i, norm: true);
        for (int i = 0; i < c.N; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(norms[i]) == BitConverter.DoubleToInt64Bits(distances.SquaredNorms[i]),
                $"{c}: norm {i}: expected {norms[i]:R}, got {distances.SquaredNorms[i]:R}");
            Assert.True(!double.IsFinite(norms[i]) == distances.NonFinite[i], $"{c}: row {i} flagged {distances.NonFinite[i]}, norm {norms[i]:R}");
            for (int j = i + 1; j < c.N; j++)
            {
                double expected = Scalar(c.Values, c.D, i, j, norm: false);
                if (!double.IsFinite(norms[i]) || !double.IsFinite(norms[j]) || !double.IsFinite(expected)) expected = double.PositiveInfinity;
                Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(distances[i, j]),
                    $"{c}: pair ({i}, {j}): expected {expected:R}, got {distances[i, j]:R}");
            }
        }
    }
}
