namespace SimByz.Aggregation;

/// <summary>
/// A synchronous aggregation rule: n received vectors in, one vector out.
/// </summary>
/// <remarks>
/// <para>Implementations validate their tolerance condition against <see cref="GradientBatch.Count"/>
/// (e.g. Krum needs n &gt; 2f+2) and throw <see cref="SimByzException"/> naming the rule and the
/// condition. They allocate nothing per call after warm-up (buffers are kept and grown), and their
/// result does not depend on the number of threads, bit for bit.</para>
/// <para>Rules with state across rounds (centered clipping) reset it in <see cref="Reset"/>. A rule
/// instance is used by one simulation at a time (not thread-safe).</para>
/// </remarks>
public interface IAggregator
{
    /// <summary>Canonical spec that recreates this rule, e.g. <c>krum:f=4,variant=blanchard</c>.</summary>
    string Spec { get; }

    /// <summary>
    /// Aggregates <paramref name="input"/> into <paramref name="output"/> (length d).
    /// <paramref name="context"/> supplies the model and validation oracle for rules that need them
    /// (Zeno); <paramref name="diagnostics"/>, when given, is reset and filled.
    /// </summary>
    void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null);

    /// <summary>
    /// Throws <see cref="SimByzException"/> naming the rule and its tolerance condition unless it can
    /// aggregate <paramref name="n"/> inputs (e.g. Krum needs n &gt; 2f+2): the condition as data, so a
    /// scenario or sweep is checked before anything runs. <see cref="Aggregate"/> checks the same.
    /// The default accepts any n ≥ 1.
    /// </summary>
    void CheckTolerance(int n) { }

    /// <summary>
    /// Whether the rule scores its inputs on the server's validation data (<see cref="AggregationContext.Oracle"/>),
    /// as Zeno does: a scenario without a validation set (<c>task.validation</c> 0) rejects such a rule by name.
    /// The default is false.
    /// </summary>
    bool UsesValidation => false;

    /// <summary>Forgets state carried across rounds (no-op for stateless rules).</summary>
    void Reset() { }
}
