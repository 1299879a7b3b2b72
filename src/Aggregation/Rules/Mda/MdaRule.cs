using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Minimum-diameter averaging, MDA (El Mhamdi, Guerraoui, Guirguis, Hoang, Rouault, PODC 2020; ByzFL
/// <c>MDA</c>): among all subsets of n−f inputs, take one of smallest diameter max_{i,j∈S} ‖vᵢ − vⱼ‖
/// and output its mean.
/// </summary>
/// <remarks>
/// <para>Exact search over the C(n, f) subsets (the removed f inputs are enumerated; the diameter of the
/// rest is the largest pairwise distance, in a list sorted once, whose two ends both stay). Among
/// subsets of equal diameter the lexicographically smallest kept set wins (ByzFL's first strict
/// minimum in <c>itertools.combinations</c> order). C(n, f) above 20 000 000 is refused
/// (SimByzException) rather than run for hours. <c>f</c> defaults to the declared q.</para>
/// <para>Tolerance: n &gt; 2f, checked per call.</para>
/// <para>Non-finite input: non-finite rows are infinitely far from every row, so any subset holding one
/// has infinite diameter; if more than f rows are non-finite every subset does and the result is
/// non-finite (if all rows are, the zero vector).</para>
/// <para>Diagnostics: selection (the kept subset), weights 1/(n−f), non-finite rows.</para>
/// </remarks>
internal sealed class MdaRule : IAggregator
{
    public const long MaxSubsets = 20_000_000;

    public static readonly ComponentInfo Info = new(
        "mda", "mean of the n−f inputs of minimum diameter (exact search over C(n, f) subsets)",
        "El Mhamdi et al., PODC 2020; ByzFL MDA", "n > 2f, C(n, f) ≤ 2·10⁷",
        [new("f", "integer ≥ 0", "declared q (required if none)", "number of inputs left out")]);

    private readonly int _f;
    private readonly PairwiseDistances _distances = new();
    private readonly RowCombination _combination = new();
    private int[] _pairs = [];
    private double[] _pairDistance = [];
    private bool[] _removed = [];
    private bool[] _bestRemoved = [];
    private bool[] _kept = [];
    private int[] _combination2 = [];

    private MdaRule(int f) => _f = f;

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context) => new MdaRule(RuleParameters.ByzantineCount(p, context));

    public string Spec => field ??= $"mda:f={_f}";

    /// <summary>C(n, k), saturating at <see cref="long.MaxValue"/>.</summary>
    public static long Binomial(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        k = Math.Min(k, n - k);
        long c = 1;
        for (int i = 1; i <= k; i++)
        {
            if (c > long.MaxValue / (n - k + i)) return long.MaxValue;
            c = c * (n - k + i) / i;
        }
        return c;
    }

    /// <summary>Throws <see cref="SimByzException"/> naming the condition unless this rule tolerates <paramref name="n"/> inputs
    /// (n &gt; 2f, and at most the exact-search limit of subsets).</summary>
    public void CheckTolerance(int n)
    {
        if (n <= 2L * _f) throw RuleParameters.Tolerance(Spec, "n > 2f", n);
        long subsets = Binomial(n, _f);
        if (subsets > MaxSubsets) throw new SimByzException($"{Spec}: C({n}, {_f}) = {subsets} subsets exceeds the exact-search limit {MaxSubsets}");
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count, f = _f;
        CheckTolerance(n);
        int pairCount = n * (n - 1) / 2;
        if (_removed.Length < n)
        {
            _removed = new bool[n];
            _bestRemoved = new bool[n];
            _kept = new bool[n];
            _combination2 = new int[n];
        }
        if (_pairs.Length < pairCount)
        {
            _pairs = new int[pairCount];
            _pairDistance = new double[pairCount];
        }
        int bad = _distances.Compute(input);
        // Pairs (encoded i·n + j, i < j) sorted by distance descending, then by code ascending.
        int p = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++) _pairs[p++] = i * n + j;
        }
        var pairs = _pairs.AsSpan(0, pairCount);
        for (int k = 1; k < pairCount; k++)
        {
            int x = pairs[k];
            double dx = _distances.Squared[x];
            int t = k - 1;
            while (t >= 0 && (_distances.Squared[pairs[t]] < dx || (_distances.Squared[pairs[t]] == dx && pairs[t] > x)))
            {
                pairs[t + 1] = pairs[t];
                t--;
            }
            pairs[t + 1] = x;
        }
        for (int k = 0; k < pairCount; k++) _pairDistance[k] = _distances.Squared[pairs[k]];

        var removed = _removed.AsSpan(0, n);
        var best = _bestRemoved.AsSpan(0, n);
        var combination = _combination2.AsSpan(0, f);
        for (int k = 0; k < f; k++) combination[k] = k;
        double bestDiameter = double.NaN;
        while (true)
        {
            removed.Clear();
            foreach (int r in combination) removed[r] = true;
            double diameter = 0;
            for (int k = 0; k < pairCount; k++)
            {
                int code = pairs[k];
                if (!removed[code / n] && !removed[code % n])
                {
                    diameter = _pairDistance[k];
                    break;
                }
            }
            if (double.IsNaN(bestDiameter) || diameter < bestDiameter || (diameter == bestDiameter && KeptSetSmaller(removed, best)))
            {
                bestDiameter = diameter;
                removed.CopyTo(best);
            }
            if (!NextCombination(combination, n)) break;
        }
        var kept = _kept.AsSpan(0, n);
        for (int i = 0; i < n; i++) kept[i] = !best[i];
        if (bad == n) output.Clear();
        else _combination.MeanOf(input, kept, output);
        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            for (int i = 0; i < n; i++)
            {
                diagnostics.Selected[i] = kept[i];
                diagnostics.Weights[i] = kept[i] ? 1.0 / (n - f) : 0;
            }
            diagnostics.HasSelection = diagnostics.HasWeights = true;
            diagnostics.NonFiniteRows = bad;
        }
    }

    /// <summary>The kept set of <paramref name="removed"/> precedes that of <paramref name="bestRemoved"/> lexicographically.</summary>
    private static bool KeptSetSmaller(ReadOnlySpan<bool> removed, ReadOnlySpan<bool> bestRemoved)
    {
        for (int i = 0; i < removed.Length; i++)
        {
            if (removed[i] != bestRemoved[i]) return bestRemoved[i];
        }
        return false;
    }

    /// <summary>Advances a k-combination of 0…n−1 in lexicographic order; false after the last.</summary>
    private static bool NextCombination(Span<int> c, int n)
    {
        int k = c.Length;
        int i = k - 1;
        while (i >= 0 && c[i] == n - k + i) i--;
        if (i < 0) return false;
        c[i]++;
        for (int j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
        return true;
    }
}
