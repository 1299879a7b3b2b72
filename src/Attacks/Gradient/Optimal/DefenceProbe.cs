using SimByz.Aggregation;
using SimByz.Scheduler;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Measures the damage of a candidate Byzantine row against the defence: the distance
/// ‖Aggr(H ∪ {u}×q) − mean(H)‖ between the aggregate of the honest rows plus q copies of u and
/// the honest mean (ByzFL's LineMaximize objective).
/// </summary>
/// <remarks>
/// <para>The trial batch holds the h honest rows first, then the q Byzantine rows (the order
/// ByzFL concatenates them); rules that break ties by index may order the real round differently.</para>
/// <para>The defence: a private copy of <see cref="AttackContext.Aggregator"/>, rebuilt from its
/// spec through <see cref="AggregatorCatalog"/> (so trials never touch the server rule's state or
/// streams), reset before every trial so every trial sees the same state; stateful rules (centered
/// clipping) are thus modelled from a fresh state. A rule the registry cannot rebuild is called
/// directly and never reset. The proxy rule (default median) stands in when the context has no
/// aggregator, or when the defence cannot aggregate a trial batch without the server's secrets
/// (Zeno needs the validation oracle, which trials never get): it throws SimByzException once, and
/// the probe then uses the proxy for that rule from then on.</para>
/// <para>Allocation: the trial batch, output and mean buffers grow to the largest size seen and
/// are reused; a trial allocates nothing (after warm-up, if the rule itself does not).</para>
/// </remarks>
internal sealed class DefenceProbe
{
    private readonly IAggregator _proxy;
    private readonly AggregatorBuildContext _buildContext;
    private readonly AggregatorCatalog _catalog;
    private IAggregator? _source;
    private IAggregator? _copy;
    private bool _sourceUnusable;

    private IAggregator _current;
    private bool _resetBeforeTrial;
    private AggregationContext _trialContext = AggregationContext.None;
    private float[] _data = [];
    private float[] _aggregate = [];
    private float[] _mean = [];
    private GradientBatch? _batch;
    private float[]? _batchArray;
    private AggregationContext? _lastServerContext;
    private int _h, _q, _d;

    public DefenceProbe(IAggregator proxy, AttackBuildContext build)
    {
        _proxy = proxy;
        _current = proxy;
        _buildContext = new AggregatorBuildContext(build.Seed, build.DeclaredByzantine);
        _catalog = build.AggregatorsOrBuiltIn;
    }

    /// <summary>The rule the last trials ran against (for tests and diagnostics).</summary>
    public IAggregator Current => _current;

    /// <summary>Prepares trials for this round: copies the honest rows and their mean, resolves the defence.</summary>
    public void Begin(AttackContext context, GradientBatch honest, ReadOnlySpan<float> honestMean)
    {
        _h = honest.Count;
        _q = context.ByzantineCount;
        _d = honest.Dimension;
        int total = _h + _q;
        int length = checked(total * _d);
        if (_data.Length < length) _data = new float[length];
        if (_batch is null || _batch.Count != total || _batch.Dimension != _d || !ReferenceEquals(_batchArray, _data))
        {
            _batch = new GradientBatch(_data.AsMemory(0, length), total, _d);
            _batchArray = _data;
        }
        honest.Data.CopyTo(_data);
        AttackMath.Grow(ref _aggregate, _d);
        honestMean.CopyTo(AttackMath.Grow(ref _mean, _d));

        var given = context.Aggregator;
        if (given is not null && !ReferenceEquals(given, _source))
        {
            _source = given;
            _sourceUnusable = false;
            _copy = TryRebuild(given);
        }
        if (given is null || _sourceUnusable)
        {
            _current = _proxy;
            _resetBeforeTrial = true;
        }
        else
        {
            _current = _copy ?? given;
            _resetBeforeTrial = _copy is not null;
        }
        var server = context.AggregationContext;
        if (!ReferenceEquals(server, _lastServerContext))
        {
            _lastServerContext = server;
            // The validation oracle is the server's: trials never see it.
            _trialContext = server.Oracle is null
                ? server
                : new AggregationContext { Model = server.Model, LearningRate = server.LearningRate, Round = server.Round };
        }
    }

    /// <summary>‖Aggr(H ∪ {row}×q) − mean(H)‖; non-finite results give −∞.</summary>
    public double Distance(ReadOnlySpan<float> row)
    {
        Span<float> data = _data.AsSpan(0, (_h + _q) * _d);
        for (int k = 0; k < _q; k++) row.CopyTo(data.Slice((_h + k) * _d, _d));
        Span<float> output = _aggregate.AsSpan(0, _d);
        try
        {
            Run(output);
        }
        catch (SimByzException) when (!ReferenceEquals(_current, _proxy))
        {
            _sourceUnusable = true;
            _current = _proxy;
            _resetBeforeTrial = true;
            Run(output);
        }
        double distance = Math.Sqrt(DetVec.SquaredDistance(output, _mean.AsSpan(0, _d)));
        return double.IsFinite(distance) ? distance : double.NegativeInfinity;
    }

    private void Run(Span<float> output)
    {
        if (_resetBeforeTrial) _current.Reset();
        _current.Aggregate(_batch!, output, _trialContext);
    }

    private IAggregator? TryRebuild(IAggregator given)
    {
        try
        {
            return _catalog.Create(given.Spec, _buildContext);
        }
        catch (SimByzException)
        {
            return null;
        }
    }
}
