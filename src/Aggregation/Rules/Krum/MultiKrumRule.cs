using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Multi-Krum (Blanchard et al., NeurIPS 2017; El Mhamdi et al. 2018): average the m inputs with the
/// lowest Krum scores.
/// </summary>
/// <remarks>
/// <para>Variants (<c>variant=</c>) as for <see cref="KrumRule"/>: <c>blanchard</c> (default; score
/// Σ of the n−f−2 nearest squared distances; m defaults to n−f−2 as in Garfield/AggregaThor) and
/// <c>byzfl</c> (score mean of the n−f−1 nearest; m defaults to n−f as in LPD-EPFL/byzfl MultiKrum).
/// An explicit <c>m</c> (1 ≤ m ≤ n) overrides the default. Ranking ties go to the lowest index.</para>
/// <para>Tolerance: n &gt; 2f+2 and m ≤ n, checked per call.</para>
/// <para>Non-finite input: as Krum, non-finite rows rank last, so they are averaged only if fewer than
/// m rows are finite (then the result is non-finite). The average is taken in float64 and rounded once
/// (<see cref="RowCombination"/>).</para>
/// </remarks>
internal sealed class MultiKrumRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "multi-krum", "mean of the m inputs with the lowest Krum scores",
        "Blanchard et al., NeurIPS 2017; m default from Garfield/AggregaThor (blanchard) or LPD-EPFL/byzfl (byzfl)", "n > 2f+2, 1 ≤ m ≤ n",
        [
            new("f", "integer ≥ 0", "declared q (required if none)", "number of Byzantine inputs tolerated"),
            new("m", "integer ≥ 1", "n−f−2 (blanchard), n−f (byzfl)", "number of best-scored inputs averaged"),
            new("variant", "blanchard|byzfl", "blanchard", "Krum score, see krum"),
        ]);

    private readonly int _f;
    private readonly int _m;
    private readonly KrumVariant _variant;
    private readonly PairwiseDistances _distances = new();
    private readonly RowCombination _combination = new();
    private double[] _scores = [];
    private double[] _scratch = [];
    private bool[] _active = [];
    private bool[] _selected = [];
    private int[] _order = [];

    private MultiKrumRule(int f, int m, KrumVariant variant)
    {
        _f = f;
        _m = m;
        _variant = variant;
    }

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context)
    {
        int f = RuleParameters.ByzantineCount(p, context);
        int m = p.GetInt("m", defaultValue: -1, min: 1);
        return new MultiKrumRule(f, m, KrumScoring.Parse(p.GetChoice("variant", "blanchard", "blanchard", "byzfl")));
    }

    public string Spec => field ??= $"multi-krum:f={_f}," + (_m > 0 ? $"m={_m}," : "") + $"variant={KrumScoring.Name(_variant)}";

    /// <summary>The m used for <paramref name="n"/> inputs.</summary>
    public int SelectionSize(int n) => _m > 0 ? _m : _variant == KrumVariant.ByzFL ? n - _f : n - _f - 2;

    /// <summary>Throws <see cref="SimByzException"/> naming the condition unless this rule tolerates <paramref name="n"/> inputs.</summary>
    public void CheckTolerance(int n)
    {
        if (n <= 2L * _f + 2) throw RuleParameters.Tolerance(Spec, "n > 2f+2", n);
        if (SelectionSize(n) > n) throw RuleParameters.Tolerance(Spec, "m ≤ n", n);
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count;
        CheckTolerance(n);
        int m = SelectionSize(n);
        if (_scores.Length < n)
        {
            _scores = new double[n];
            _scratch = new double[n];
            _active = new bool[n];
            _selected = new bool[n];
            _order = new int[n];
        }
        int bad = _distances.Compute(input);
        var active = _active.AsSpan(0, n);
        active.Fill(true);
        var scores = _scores.AsSpan(0, n);
        KrumScoring.Score(_distances, active, _variant, KrumScoring.Neighbours(_variant, n, _f), scores, _scratch);
        RuleParameters.OrderBy(_order.AsSpan(0, n), scores, _distances.NonFinite.AsSpan(0, n));
        var selected = _selected.AsSpan(0, n);
        selected.Clear();
        for (int k = 0; k < m; k++) selected[_order[k]] = true;
        if (bad == n) output.Clear();
        else _combination.MeanOf(input, selected, output, ChunkOrder.Descending); // the distance pass's last chunks first, while cached
        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            scores.CopyTo(diagnostics.Scores);
            selected.CopyTo(diagnostics.Selected);
            for (int i = 0; i < n; i++) diagnostics.Weights[i] = selected[i] ? 1.0 / m : 0.0;
            diagnostics.HasScores = diagnostics.HasSelection = diagnostics.HasWeights = true;
            diagnostics.NonFiniteRows = bad;
        }
    }
}
