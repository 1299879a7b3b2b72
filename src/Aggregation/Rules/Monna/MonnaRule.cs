using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// MoNNA, mean of nearest neighbours (Farhadkhani, Guerraoui, Gupta, Hoang, Pinot, Stephan, ICML 2023;
/// ByzFL <c>MoNNA</c>): the mean of the n−f inputs nearest to a trusted pivot input (index <c>idx</c>,
/// itself included at distance 0).
/// </summary>
/// <remarks>
/// <para>Parameters: <c>f</c> (defaults to the declared q), <c>idx</c> (default 0: the pivot, meant to be
/// a vector known to be correct, e.g. the server's own gradient in peer-to-peer use). Distance ties go to
/// the lowest index.</para>
/// <para>Tolerance: n &gt; 2f and idx &lt; n, checked per call.</para>
/// <para>Non-finite input: rows at non-finite distance from the pivot rank after every finite one, so they
/// are averaged only if fewer than n−f rows are finite. A non-finite pivot makes every distance
/// non-finite: then the n−f lowest-index rows are averaged (the pivot is trusted by definition).</para>
/// <para>Diagnostics: scores ‖vᵢ − v_idx‖, selection, weights 1/(n−f).</para>
/// </remarks>
internal sealed class MonnaRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "monna", "mean of the n−f inputs nearest to the trusted input idx",
        "Farhadkhani et al., ICML 2023; ByzFL MoNNA", "n > 2f, idx < n",
        [
            new("f", "integer ≥ 0", "declared q (required if none)", "number of Byzantine inputs tolerated"),
            new("idx", "integer ≥ 0", "0", "index of the trusted pivot input"),
        ]);

    private readonly int _f;
    private readonly int _idx;
    private readonly PointDistances _distances = new();
    private readonly RowCombination _combination = new();
    private bool[] _selected = [];
    private int[] _order = [];

    private MonnaRule(int f, int idx)
    {
        _f = f;
        _idx = idx;
    }

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context)
        => new MonnaRule(RuleParameters.ByzantineCount(p, context), p.GetInt("idx", defaultValue: 0, min: 0));

    public string Spec => field ??= $"monna:f={_f},idx={_idx}";

    /// <summary>Throws <see cref="SimByzException"/> naming the condition unless this rule tolerates <paramref name="n"/> inputs.</summary>
    public void CheckTolerance(int n)
    {
        if (n <= 2L * _f) throw RuleParameters.Tolerance(Spec, "n > 2f", n);
        if (_idx >= n) throw RuleParameters.Tolerance(Spec, $"idx = {_idx} < n", n);
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count;
        CheckTolerance(n);
        if (_selected.Length < n)
        {
            _selected = new bool[n];
            _order = new int[n];
        }
        _distances.Compute(input, input.RowMemory(_idx));
        var dist = _distances.Squared.AsSpan(0, n);
        dist[_idx] = 0;
        RuleParameters.OrderBy(_order.AsSpan(0, n), dist, []);
        var selected = _selected.AsSpan(0, n);
        selected.Clear();
        for (int k = 0; k < n - _f; k++) selected[_order[k]] = true;
        _combination.MeanOf(input, selected, output);
        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            for (int i = 0; i < n; i++)
            {
                diagnostics.Scores[i] = Math.Sqrt(dist[i]);
                diagnostics.Selected[i] = selected[i];
                diagnostics.Weights[i] = selected[i] ? 1.0 / (n - _f) : 0;
            }
            diagnostics.HasScores = diagnostics.HasSelection = diagnostics.HasWeights = true;
        }
    }
}
