using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Krum (Blanchard, El Mhamdi, Guerraoui, Stainer, NeurIPS 2017): output the input with the lowest
/// score, the score of vᵢ being built from its squared distances to its nearest other inputs.
/// </summary>
/// <remarks>
/// <para>Variants (<c>variant=</c>): <c>blanchard</c> (default, the paper and Garfield/AggregaThor,
/// Karimireddy et al.): score = Σ of the squared distances to the n−f−2 nearest other inputs;
/// <c>byzfl</c> (LPD-EPFL/byzfl): mean of the squared distances to the n−f−1 nearest other inputs.
/// Ties go to the lowest index. <c>f</c> defaults to the declared q.</para>
/// <para>Tolerance: n &gt; 2f+2 (both variants), checked per call.</para>
/// <para>Non-finite input: a row whose squared norm is not finite (NaN, ±∞, or overflow) is infinitely
/// far from every other row, scores +∞ and is ranked after every finite row, so it is chosen only if
/// every row is non-finite (then the output is the zero vector). Distances are computed in one blocked
/// pass (<see cref="PairwiseDistances"/>), identical whatever the thread count.</para>
/// <para>Diagnostics: scores, one-hot selection and weights, non-finite row count.</para>
/// </remarks>
internal sealed class KrumRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "krum", "the input with the smallest sum of squared distances to its nearest neighbours",
        "Blanchard et al., NeurIPS 2017; variant byzfl: LPD-EPFL/byzfl Krum", "n > 2f+2",
        [
            new("f", "integer ≥ 0", "declared q (required if none)", "number of Byzantine inputs tolerated"),
            new("variant", "blanchard|byzfl", "blanchard", "blanchard: Σ of n−f−2 nearest squared distances; byzfl: mean of n−f−1 nearest"),
        ]);

    private readonly int _f;
    private readonly KrumVariant _variant;
    private readonly PairwiseDistances _distances = new();
    private readonly ParallelCopy _copy = new();
    private double[] _scores = [];
    private double[] _scratch = [];
    private bool[] _active = [];
    private int[] _order = [];

    private KrumRule(int f, KrumVariant variant)
    {
        _f = f;
        _variant = variant;
    }

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context)
        => new KrumRule(RuleParameters.ByzantineCount(p, context), KrumScoring.Parse(p.GetChoice("variant", "blanchard", "blanchard", "byzfl")));

    public string Spec => field ??= $"krum:f={_f},variant={KrumScoring.Name(_variant)}";

    /// <summary>Throws <see cref="SimByzException"/> naming the condition unless this rule tolerates <paramref name="n"/> inputs.</summary>
    public void CheckTolerance(int n)
    {
        if (n <= 2L * _f + 2) throw RuleParameters.Tolerance(Spec, "n > 2f+2", n);
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count;
        CheckTolerance(n);
        if (_scores.Length < n)
        {
            _scores = new double[n];
            _scratch = new double[n];
            _active = new bool[n];
            _order = new int[n];
        }
        int bad = _distances.Compute(input);
        var active = _active.AsSpan(0, n);
        active.Fill(true);
        var scores = _scores.AsSpan(0, n);
        KrumScoring.Score(_distances, active, _variant, KrumScoring.Neighbours(_variant, n, _f), scores, _scratch);
        RuleParameters.OrderBy(_order.AsSpan(0, n), scores, _distances.NonFinite.AsSpan(0, n));
        int best = _order[0];
        if (bad == n) output.Clear();
        else _copy.Copy(input.Row(best), output, ChunkOrder.Descending); // the distance pass's last chunks first, while cached
        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            scores.CopyTo(diagnostics.Scores);
            diagnostics.Selected[best] = true;
            diagnostics.Weights[best] = 1.0;
            diagnostics.HasScores = diagnostics.HasSelection = diagnostics.HasWeights = true;
            diagnostics.NonFiniteRows = bad;
        }
    }
}
