using FsCheck;
using FsCheck.Fluent;
using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using Xunit;

namespace SimByz.Tests.Properties.Aggregation;

/// <summary>
/// Bulyan's rounds read Krum scores off each row's neighbours sorted once (<see cref="NeighbourOrder"/>) and pick the
/// first active row in one pass (<see cref="RuleParameters.First"/>): on batches with tied distances (repeated rows, a
/// small palette of values), rows holding NaN or ±∞, and any set of active rows, both give bit for bit what sorting the
/// active rows' distances again (<see cref="KrumScoring.Score"/>) and ordering every row (<see cref="RuleParameters.OrderBy"/>)
/// give.
/// </summary>
public class NeighbourOrderProperties
{
    /// <summary>n rows of d values (row-major), the rows active in each of a few rounds (a round's set is often a subset of the
    /// one before, as in Bulyan, and otherwise any set, rows coming back).</summary>
    public sealed record ScoringCase(int N, int D, float[] Values, bool[][] Active)
    {
        public override string ToString() =>
            $"n = {N}, d = {D}, values [{string.Join(", ", Values.Select(v => v.ToString("R")))}], active {string.Join(" | ", Active.Select(a => string.Concat(a.Select(x => x ? '1' : '0'))))}";
    }

    public static class Arbitraries
    {
        private static readonly float[] Palette = [0f, 1f, -1f, 2f, 0.5f, 3e19f, float.NaN, float.PositiveInfinity];

        /// <summary>1–40 rows, 1–5 coordinates; rows copied from earlier rows (equal distances) or drawn from a palette that
        /// holds NaN, +∞ and a value whose square overflows float32 (non-finite rows); 1–6 active sets, each keeping every row with
        /// probability ½ to 1 (of all rows, or of the set before).</summary>
        public static Arbitrary<ScoringCase> Cases() => Arb.From(
            from n in Gen.Choose(1, 40)
            from d in Gen.Choose(1, 5)
            from sets in Gen.Choose(1, 6)
            from seed in Gen.Choose(0, int.MaxValue)
            select Make(n, d, sets, seed));

        private static ScoringCase Make(int n, int d, int sets, int seed)
        {
            var random = new Random(seed);
            var values = new float[n * d];
            bool hostile = random.Next(3) == 0;
            for (int i = 0; i < n; i++)
            {
                if (i > 0 && random.Next(3) == 0)
                {
                    Array.Copy(values, random.Next(i) * d, values, i * d, d);
                    continue;
                }
                for (int k = 0; k < d; k++)
                    values[i * d + k] = Palette[random.Next(hostile ? Palette.Length : Palette.Length - 3)];
            }
            var active = new bool[sets][];
            for (int s = 0; s < sets; s++)
            {
                double keep = 0.5 + 0.5 * random.NextDouble();
                // Half the later sets are a subset of the one before (rows dropped, as in Bulyan's rounds), the others drawn
                // anew (rows back again).
                active[s] = s > 0 && random.Next(2) == 0
                    ? active[s - 1].Select(a => a && random.NextDouble() < keep).ToArray()
                    : Enumerable.Range(0, n).Select(_ => random.NextDouble() < keep).ToArray();
            }
            return new ScoringCase(n, d, values, active);
        }
    }

    private static readonly NeighbourOrder Shared = new();

    [BudgetedProperty(Arbitrary = new[] { typeof(Arbitraries) })]
    public void Score_EqualsSortingTheActiveRowsAgain_AndFirstIsOrderBysFirstActiveRow(ScoringCase c)
    {
        var distances = new PairwiseDistances();
        distances.Compute(new GradientBatch(c.Values, c.N, c.D));
        // One instance across cases, as a rule keeps it across calls: its arrays, sized for earlier (larger or smaller) n, are reused.
        var order = Shared;
        order.Build(distances);
        var expected = new double[c.N];
        var actual = new double[c.N];
        var scratch = new double[c.N];
        var ranked = new int[c.N];
        foreach (var active in c.Active)
        {
            foreach (var variant in (KrumVariant[])[KrumVariant.Blanchard, KrumVariant.ByzFL])
            {
                foreach (int neighbours in (int[])[1, Math.Max(1, c.N / 2), Math.Max(1, c.N - 3), c.N + 2])
                {
                    KrumScoring.Score(distances, active, variant, neighbours, expected, scratch);
                    order.Score(active, variant, neighbours, actual);
                    for (int i = 0; i < c.N; i++)
                    {
                        Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                            $"{variant}, {neighbours} neighbours, row {i}: {expected[i]:R} expected, {actual[i]:R}");
                    }
                    RuleParameters.OrderBy(ranked, expected, distances.NonFinite.AsSpan(0, c.N));
                    int first = Array.FindIndex(ranked, i => active[i]);
                    Assert.Equal(first < 0 ? -1 : ranked[first], RuleParameters.First(actual, distances.NonFinite.AsSpan(0, c.N), active));
                }
            }
        }
    }
}
