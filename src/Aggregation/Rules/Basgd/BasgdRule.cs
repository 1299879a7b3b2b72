using System.Globalization;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// BASGD, buffered asynchronous SGD (Yang, Li, "Buffered Asynchronous SGD for Byzantine Learning",
/// AAAI 2021; arXiv 2003.00937): B buffers; worker i's messages go to buffer i mod B, which holds the
/// mean of the messages it received since the last update; when every buffer holds at least one
/// message, a robust synchronous rule aggregates the B buffer means, the result is applied and the
/// buffers are emptied.
/// </summary>
/// <remarks>
/// <para>The robust rule (<c>rule=</c>, default <c>median</c>) is any synchronous rule of the catalogue,
/// by name with its defaults (its f/b defaults to the scenario's q: Byzantine workers can corrupt at
/// most q buffers). Its tolerance is checked for n = B at construction; e.g. median needs B ≥ 2q + 1.
/// The paper's condition is B &gt; 2q for its median and trimmed-mean variants.</para>
/// <para><b>Fates.</b> A message that leaves some buffer empty is held (<see cref="AsyncDecision.Held"/>);
/// the message that fills the last empty buffer is accepted and applies every held message with it (all
/// contributed to a buffer mean, whether or not the robust rule then discounts that buffer). Messages
/// held when the run ends are dropped ("run ended"). The score of the accepted message is NaN.</para>
/// <para>Deterministic: buffer sums are float64 in arrival order, the means rounded once to float32 and
/// passed to the rule in buffer order 0..B−1. Stateful; not thread-safe; <see cref="Reset"/> empties
/// the buffers.</para>
/// </remarks>
internal sealed class BasgdRule : IAsyncAggregator
{
    public static readonly ComponentInfo Info = new(
        "basgd", "BASGD: B buffers (worker i → buffer i mod B) of message means; when all are non-empty, a robust rule across the buffers",
        "Yang & Li, AAAI 2021",
        "that of the robust rule over B inputs, q corrupted (median: B ≥ 2q + 1)",
        [
            new("b", "int ≥ 1", "required", "B: number of buffers"),
            new("rule", "synchronous rule name", "median", "robust rule applied to the B buffer means (with its defaults)"),
        ]);

    private readonly int _b;
    private readonly IAggregator _rule;
    private readonly string _ruleName;
    private double[] _sums = [];
    private readonly int[] _counts;
    private float[] _means = [];
    private int _filled;
    private int _d = -1;

    private BasgdRule(int b, string ruleName, IAggregator rule)
    {
        _b = b;
        _ruleName = ruleName;
        _rule = rule;
        _counts = new int[b];
        rule.CheckTolerance(b);
    }

    /// <param name="p">The spec's parameters.</param>
    /// <param name="createRule">Builds the robust synchronous rule from its name.</param>
    public static IAsyncAggregator Create(SpecParameters p, Func<string, IAggregator> createRule)
    {
        int b = p.RequireInt("b", min: 1);
        string name = p.GetString("rule", "median");
        if (name.Contains(':', StringComparison.Ordinal) || name.Contains('+', StringComparison.Ordinal))
        {
            throw new SimByzException($"basgd: rule= takes a rule name with its defaults (e.g. rule=median), got '{name}'");
        }
        return new BasgdRule(b, name, createRule(name));
    }

    /// <summary>BASGD needs validation data exactly when the robust rule across its buffers does (e.g. <c>rule=zeno</c>).</summary>
    public bool UsesValidation => _rule.UsesValidation;

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"basgd:b={_b},rule={_ruleName}");

    public void Reset()
    {
        Array.Clear(_sums);
        Array.Clear(_counts);
        _filled = 0;
        _rule.Reset();
    }

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        ReadOnlySpan<float> u = message.Payload.Span;
        int d = u.Length;
        if (update.Length != d) throw new ArgumentException($"basgd: update has length {update.Length}, expected d = {d}", nameof(update));
        if (_d != d)
        {
            _d = d;
            _sums = new double[_b * d];
            _means = new float[_b * d];
            Array.Clear(_counts);
            _filled = 0;
        }
        int buffer = (int)((uint)message.WorkerId % (uint)_b);
        var sum = _sums.AsSpan(buffer * d, d);
        for (int j = 0; j < d; j++) sum[j] += u[j];
        if (_counts[buffer]++ == 0) _filled++;
        if (_filled < _b)
        {
            update.Clear();
            return AsyncDecision.Hold();
        }
        for (int i = 0; i < _b; i++)
        {
            double inv = 1.0 / _counts[i];
            var s = _sums.AsSpan(i * d, d);
            var m = _means.AsSpan(i * d, d);
            for (int j = 0; j < d; j++) m[j] = (float)(s[j] * inv);
        }
        _rule.Aggregate(new GradientBatch(_means, _b, d), update, context);
        Array.Clear(_sums);
        Array.Clear(_counts);
        _filled = 0;
        return AsyncDecision.Accept();
    }
}
