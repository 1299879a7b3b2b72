using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Bulyan (El Mhamdi, Guerraoui, Rouault, ICML 2018): select θ inputs by iterated Krum, then per
/// coordinate average the β selected values closest to the selected values' median.
/// </summary>
/// <remarks>
/// <para>Variants (<c>variant=</c>), naming the public code they follow:
/// <c>flower</c> (default; Flower <c>aggregate_bulyan</c>): θ = n−2f, β = θ−2f;
/// <c>aggregathor</c> (AggregaThor/Garfield): θ = n−2f−2, β = θ−2f.
/// Tolerance for both: n ≥ 4f+3 (then θ, β ≥ 1), checked per call.</para>
/// <para>Selection: θ rounds; each round scores the r inputs still unselected with the Blanchard Krum score
/// over the remaining set (Σ of the max(1, r−f−2) nearest squared distances) and moves the best (lowest
/// index on a tie) to the selection. Second stage: per coordinate, the median of the θ selected values
/// (even θ: mean of the two middle) and the mean of the β values closest to it, distances in float64.
/// Tie rule: at equal distance a value below the median is kept before one above it (the lower value
/// first), so the result is the mean of the first β selected values ordered by (distance, value), whatever
/// their order; Flower (argpartition) and AggregaThor/Garfield (topk, nth_element) leave such ties to
/// their selection routine. Float64 sums in rank order, one rounding
/// (<see cref="ColumnMath.MeanClosestToMedian"/>, shared with MeaMed).</para>
/// <para>Permutation invariance holds up to ties. A round with one neighbour (r−f−2 ≤ 1, e.g. the last
/// flower round when f ≤ 3) scores each input by its nearest-neighbour distance, so mutual nearest
/// neighbours tie exactly and the lower index wins: reordering the inputs can then change the selection.</para>
/// <para>Non-finite input: non-finite rows score +∞ and are selected last; NaN values reaching the second
/// stage are dropped per coordinate as in MeaMed (a coordinate whose median is not finite gives that median).</para>
/// <para>Diagnostics: first-round Krum scores, selection (θ rows), non-finite rows.</para>
/// </remarks>
internal sealed class BulyanRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "bulyan", "iterated-Krum selection of θ inputs, then coordinate-wise mean of the β values closest to the median (equal distance: the lower value first)",
        "El Mhamdi et al., ICML 2018; flower: θ = n−2f (Flower); aggregathor: θ = n−2f−2 (AggregaThor/Garfield); β = θ−2f; ties at equal distance: lower value first (SimByz's rule; Flower and AggregaThor leave them to argpartition/topk)", "n ≥ 4f+3",
        [
            new("f", "integer ≥ 0", "declared q (required if none)", "number of Byzantine inputs tolerated"),
            new("variant", "flower|aggregathor", "flower", "flower: θ = n−2f; aggregathor: θ = n−2f−2"),
        ]);

    private readonly int _f;
    private readonly bool _aggregathor;
    private readonly PairwiseDistances _distances = new();
    private readonly NeighbourOrder _neighbours = new();
    private readonly ColumnKernel<ClosestToMedianReducer> _kernel = new();
    private SortingNetwork? _network;
    private double[] _scores = [];
    private double[] _firstScores = [];
    private bool[] _active = [];
    private int[] _selectedRows = [];

    private BulyanRule(int f, bool aggregathor)
    {
        _f = f;
        _aggregathor = aggregathor;
    }

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context)
        => new BulyanRule(RuleParameters.ByzantineCount(p, context), p.GetChoice("variant", "flower", "flower", "aggregathor") == "aggregathor");

    public string Spec => field ??= $"bulyan:f={_f},variant={(_aggregathor ? "aggregathor" : "flower")}";

    /// <summary>θ for <paramref name="n"/> inputs.</summary>
    public int Theta(int n) => _aggregathor ? n - 2 * _f - 2 : n - 2 * _f;

    /// <summary>Throws <see cref="SimByzException"/> naming the condition unless this rule tolerates <paramref name="n"/> inputs.</summary>
    public void CheckTolerance(int n)
    {
        if (n < 4L * _f + 3) throw RuleParameters.Tolerance(Spec, "n ≥ 4f+3", n);
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count;
        CheckTolerance(n);
        int theta = Theta(n), beta = theta - 2 * _f;
        if (_scores.Length < n)
        {
            _scores = new double[n];
            _firstScores = new double[n];
            _active = new bool[n];
            _selectedRows = new int[n];
        }
        int bad = _distances.Compute(input);
        var active = _active.AsSpan(0, n);
        active.Fill(true);
        var scores = _scores.AsSpan(0, n);
        var nonFinite = _distances.NonFinite.AsSpan(0, n);
        // Each row's neighbours sorted once; every round reads the nearest active ones off that order (the same
        // scores as sorting the active subset again) and picks the first active row in RuleParameters.OrderBy's
        // order (non-finite rows last, then the score, then the lower index): that order is strict and total, so
        // its first active row is the active row no other active row precedes.
        _neighbours.Build(_distances);
        for (int round = 0; round < theta; round++)
        {
            int remaining = n - round;
            _neighbours.Score(active, KrumVariant.Blanchard, KrumScoring.Neighbours(KrumVariant.Blanchard, remaining, _f), scores);
            if (round == 0) scores.CopyTo(_firstScores);
            int pick = RuleParameters.First(scores, nonFinite, active);
            active[pick] = false;
            _selectedRows[round] = pick;
        }
        var rows = _selectedRows.AsSpan(0, theta);
        rows.Sort();
        if (_network is null || _network.Size != theta) _network = SortingNetwork.Create(theta, 0, theta - 1);
        _kernel.Run(input, rows, _network, new ClosestToMedianReducer(beta), output, ChunkOrder.Descending); // the distance pass's last chunks first
        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            _firstScores.AsSpan(0, n).CopyTo(diagnostics.Scores);
            foreach (int i in rows) diagnostics.Selected[i] = true;
            diagnostics.HasScores = diagnostics.HasSelection = true;
            diagnostics.NonFiniteRows = bad;
        }
    }
}
