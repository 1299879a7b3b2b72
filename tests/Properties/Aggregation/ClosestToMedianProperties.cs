using SimByz.Tests.Properties.Generators;
using Xunit;
using static SimByz.Tests.Properties.Aggregation.RuleHarness;

namespace SimByz.Tests.Properties.Aggregation;

/// <summary>
/// MeaMed and Bulyan's second stage compute, per coordinate, the mean of the values closest to the
/// median, checked against the definition written out by brute force on columns full of repeated
/// values (colluding inputs that send one value, values at equal distance below and above the median).
/// </summary>
/// <remarks>
/// The reference sorts a column's non-NaN values by (|v − median|, v) — at equal distance the lower
/// value first, the rules' documented tie rule — keeps the first count and sums them in ascending
/// order in float64, as the rules do, so the outputs must be equal bit for bit (NaN equal to NaN).
/// Bulyan is checked on the rows its iterated Krum selected (read from its diagnostics), with
/// β = θ − 2f.
/// </remarks>
public class ClosestToMedianProperties
{
    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void MeaMed_RepeatedValues_MatchesTheSortedByDistanceReference(RepeatedValuesCase c)
    {
        string spec = $"meamed:f={c.F}";
        var output = MustRun(spec, c.Rows);
        for (int j = 0; j < c.Dimension; j++)
        {
            var column = c.Rows.Select(r => r[j]).ToArray();
            float expected = MeanOfClosestToMedian(column, c.Count - c.F);
            Assert.True(expected.Equals(output[j]), $"{spec}, coordinate {j} [{string.Join(", ", column)}]: expected {expected:R}, got {output[j]:R}");
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SimByzArbitraries) })]
    public void BulyanSecondStage_RepeatedValues_MatchesTheSortedByDistanceReferenceOnTheSelection(RepeatedValuesCase c)
    {
        int n = c.Count, f = c.BulyanF;
        foreach (var (variant, theta) in new[] { ("flower", n - 2 * f), ("aggregathor", n - 2 * f - 2) })
        {
            string spec = $"bulyan:f={f},variant={variant}";
            var (output, diagnostics) = TryRun(spec, c.Rows) ?? throw new InvalidOperationException($"{spec} rejected n = {n}");
            var selected = Enumerable.Range(0, n).Where(i => diagnostics.Selected[i]).ToArray();
            Assert.Equal(theta, selected.Length);
            for (int j = 0; j < c.Dimension; j++)
            {
                var column = selected.Select(i => c.Rows[i][j]).ToArray();
                float expected = MeanOfClosestToMedian(column, theta - 2 * f);
                Assert.True(expected.Equals(output[j]),
                    $"{spec}, coordinate {j}, selected rows {string.Join(",", selected)} [{string.Join(", ", column)}]: expected {expected:R}, got {output[j]:R}");
            }
        }
    }

    /// <summary>
    /// The definition: drop NaN; of the m values left keep the min(count, m) with the smallest
    /// |v − median| (float64; even m: the median is the mean of the two middle values), the lower value
    /// first at equal distance, and average them; a median that is not finite is the result; no value
    /// left gives 0.
    /// </summary>
    private static float MeanOfClosestToMedian(float[] column, int count)
    {
        var values = column.Where(v => !float.IsNaN(v)).Select(v => (double)v).Order().ToArray();
        int m = values.Length;
        if (m == 0) return 0f;
        count = Math.Min(count, m);
        double median = m % 2 == 1 ? values[m / 2] : (values[m / 2 - 1] + values[m / 2]) / 2;
        if (!double.IsFinite(median)) return (float)median;
        var kept = values.OrderBy(v => Math.Abs(v - median)).ThenBy(v => v).Take(count).Order();
        double sum = 0;
        foreach (double v in kept) sum += v;
        return (float)(sum / count);
    }
}
