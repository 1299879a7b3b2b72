using SimByz.Aggregation.Rules;
using SimByz.Specs;

namespace SimByz.Aggregation.PreAggregators;

/// <summary>
/// Nearest-neighbour mixing, NNM (Allouah, Farhadkhani, Guerraoui, Gupta, Pinot, Stephan, AISTATS 2023,
/// "Fixing by Mixing"; ByzFL <c>NNM</c>): replace each input by the mean of its n−f nearest inputs,
/// itself included.
/// </summary>
/// <remarks>
/// <para>Neighbours are ranked by squared distance (one blocked pass, <see cref="PairwiseDistances"/>),
/// the input itself first, then ties by lowest index. Means: float64, input-index order, one rounding.
/// <c>f</c> defaults to the declared q; requires n &gt; f (checked per call).</para>
/// <para>Non-finite input: non-finite rows are infinitely far from all others, so a finite row averages
/// only finite rows (all of them if fewer than n−f are finite); a non-finite row is passed through
/// unchanged for the rule to handle.</para>
/// </remarks>
internal sealed class NearestNeighborMixingPreAggregator : IPreAggregator
{
    public static readonly ComponentInfo Info = new(
        "nnm", "replace each input by the mean of its n−f nearest inputs (itself included)",
        "Allouah et al., AISTATS 2023; ByzFL NNM", "n > f (and the rule's condition)",
        [new("f", "integer ≥ 0", "declared q (required if none)", "number of Byzantine inputs tolerated")]);

    private readonly int _f;
    private readonly PairwiseDistances _distances = new();
    private readonly RowMixing _mixing = new();
    private double[] _row = [];
    private int[] _order = [];

    private NearestNeighborMixingPreAggregator(int f) => _f = f;

    public static Func<IAggregator, IAggregator> Create(SpecParameters p, AggregatorBuildContext context)
    {
        int f = RuleParameters.ByzantineCount(p, context);
        return inner => new PreAggregatedRule(new NearestNeighborMixingPreAggregator(f), inner);
    }

    public string Spec => field ??= $"nnm:f={_f}";

    public int OutputCount(int n) => n;

    public void Reset() { }

    public void CheckTolerance(int n)
    {
        if (n <= _f) throw RuleParameters.Tolerance(Spec, "n > f", n);
    }

    public void Apply(GradientBatch input, float[] destination, Span<int> origin, Span<double> share)
    {
        int n = input.Count;
        CheckTolerance(n);
        if (_row.Length < n)
        {
            _row = new double[n];
            _order = new int[n];
        }
        _distances.Compute(input);
        _mixing.Prepare(n, n);
        var weights = _mixing.Weights;
        var row = _row.AsSpan(0, n);
        var order = _order.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            origin[i] = i;
            share[i] = 1.0;
            if (_distances.NonFinite[i])
            {
                weights[i * n + i] = 1.0;
                continue;
            }
            for (int j = 0; j < n; j++) row[j] = j == i ? double.NegativeInfinity : _distances[i, j];
            RuleParameters.OrderBy(order, row, _distances.NonFinite.AsSpan(0, n));
            int count = 0;
            for (int k = 0; k < n - _f; k++)
            {
                int j = order[k];
                if (_distances.NonFinite[j]) break;
                weights[i * n + j] = 1.0;
                count++;
            }
            _mixing.Denominators[i] = count;
        }
        _mixing.Compute(input, destination);
    }
}
