using SimByz.Aggregation.Rules;

namespace SimByz.Aggregation.PreAggregators;

/// <summary>
/// A transformation of the n received vectors into m vectors, applied before a rule
/// (Bucketing, NNM, Clipping, ARC).
/// </summary>
internal interface IPreAggregator
{
    /// <summary>Canonical spec, e.g. <c>bucketing:s=2</c>.</summary>
    string Spec { get; }

    /// <summary>m, the number of vectors produced from <paramref name="n"/> inputs.</summary>
    int OutputCount(int n);

    /// <summary>
    /// Writes the m×d output into <paramref name="destination"/>; for every input i,
    /// <paramref name="origin"/>[i] is the output row it feeds and <paramref name="share"/>[i] its weight in it
    /// (for mapping the rule's diagnostics back to the inputs).
    /// </summary>
    void Apply(GradientBatch input, float[] destination, Span<int> origin, Span<double> share);

    /// <summary>Throws <see cref="SimByzException"/> naming the condition unless <paramref name="n"/> inputs are tolerated.</summary>
    void CheckTolerance(int n) { }

    /// <summary>Forgets state (re-derives the random stream of seeded pre-aggregators).</summary>
    void Reset();
}

/// <summary>
/// A rule with a pre-aggregator in front: the rule aggregates the pre-aggregator's output.
/// The spec is <c>pre+rule</c>; chains nest.
/// </summary>
/// <remarks>
/// Diagnostics are reported per original input: input i gets the score and selection of the vector it
/// fed and its weight times its share of that vector (bucketing: 1/|bucket|; the 1:1 pre-aggregators: 1,
/// the weight then refers to the transformed vector). Iterations and non-finite rows are the rule's.
/// The inner rule's tolerance applies to m, not n (e.g. after bucketing with s = 2, Krum needs
/// ⌈n/2⌉ &gt; 2f+2). Allocation-free after the first call of a given shape.
/// </remarks>
internal sealed class PreAggregatedRule(IPreAggregator pre, IAggregator inner) : IAggregator, IDisposable
{
    private float[] _buffer = [];
    private GradientBatch? _batch;
    private int[] _origin = [];
    private double[] _share = [];
    private AggregationDiagnostics? _innerDiagnostics;

    public string Spec => field ??= pre.Spec + "+" + inner.Spec;

    public bool UsesValidation => inner.UsesValidation;

    /// <summary>The pre-aggregator's condition on n, then the rule's on the m vectors it produces.</summary>
    public void CheckTolerance(int n)
    {
        pre.CheckTolerance(n);
        inner.CheckTolerance(pre.OutputCount(n));
    }

    public void Reset()
    {
        pre.Reset();
        inner.Reset();
    }

    /// <summary>Passes the disposal on to the rule inside (e.g. a plug-in rule holding native memory).</summary>
    public void Dispose() => (inner as IDisposable)?.Dispose();

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count, d = input.Dimension, m = pre.OutputCount(n);
        if (_buffer.Length < m * d)
        {
            _buffer = new float[m * d];
            _batch = null;
        }
        if (_batch is null || _batch.Count != m || _batch.Dimension != d) _batch = new GradientBatch(_buffer.AsMemory(0, m * d), m, d);
        if (_origin.Length < n)
        {
            _origin = new int[n];
            _share = new double[n];
        }
        var origin = _origin.AsSpan(0, n);
        var share = _share.AsSpan(0, n);
        pre.Apply(input, _buffer, origin, share);
        AggregationDiagnostics? innerDiagnostics = diagnostics is null ? null : (_innerDiagnostics ??= new AggregationDiagnostics());
        inner.Aggregate(_batch, output, context, innerDiagnostics);
        if (diagnostics is null || innerDiagnostics is null) return;
        diagnostics.Reset(n);
        diagnostics.HasScores = innerDiagnostics.HasScores;
        diagnostics.HasWeights = innerDiagnostics.HasWeights;
        diagnostics.HasSelection = innerDiagnostics.HasSelection;
        diagnostics.Iterations = innerDiagnostics.Iterations;
        diagnostics.NonFiniteRows = innerDiagnostics.NonFiniteRows;
        for (int i = 0; i < n; i++)
        {
            int o = origin[i];
            if (innerDiagnostics.HasScores) diagnostics.Scores[i] = innerDiagnostics.Scores[o];
            if (innerDiagnostics.HasWeights) diagnostics.Weights[i] = innerDiagnostics.Weights[o] * share[i];
            if (innerDiagnostics.HasSelection) diagnostics.Selected[i] = innerDiagnostics.Selected[o];
        }
    }
}
