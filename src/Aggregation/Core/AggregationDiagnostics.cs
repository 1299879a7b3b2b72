namespace SimByz.Aggregation;

/// <summary>
/// What one aggregation call did: which inputs it selected, how it weighted them, their scores and
/// the iterations it used. Reused across calls (arrays grow, never shrink) so filling it allocates
/// nothing after warm-up.
/// </summary>
public sealed class AggregationDiagnostics
{
    private double[] _scores = [];
    private double[] _weights = [];
    private bool[] _selected = [];

    /// <summary>n of the last call.</summary>
    public int InputCount { get; private set; }

    /// <summary>Per-input score (Krum: sum of distances, lower is better; Zeno: descent score, higher is better).</summary>
    public Span<double> Scores => _scores.AsSpan(0, InputCount);

    public bool HasScores { get; set; }

    /// <summary>Weight of each input when the output is Σ wᵢ vᵢ (Mean: 1/n; Krum: one-hot; Weiszfeld: final weights).</summary>
    public Span<double> Weights => _weights.AsSpan(0, InputCount);

    public bool HasWeights { get; set; }

    /// <summary>Inputs the rule selected (Krum, Multi-Krum, Bulyan, Zeno).</summary>
    public Span<bool> Selected => _selected.AsSpan(0, InputCount);

    public bool HasSelection { get; set; }

    /// <summary>Iterations used by iterative rules (geometric median, centered clipping).</summary>
    public int Iterations { get; set; }

    /// <summary>Rows treated as non-finite (NaN or ±∞ in any coordinate).</summary>
    public int NonFiniteRows { get; set; }

    /// <summary>Clears everything and sizes the arrays for <paramref name="n"/> inputs.</summary>
    public void Reset(int n)
    {
        if (_scores.Length < n)
        {
            _scores = new double[n];
            _weights = new double[n];
            _selected = new bool[n];
        }
        InputCount = n;
        Scores.Clear();
        Weights.Clear();
        Selected.Clear();
        HasScores = HasWeights = HasSelection = false;
        Iterations = 0;
        NonFiniteRows = 0;
    }
}
