namespace SimByz.Attacks;

/// <summary>
/// A data-level Byzantine behaviour: poisons what a Byzantine worker trains on, after which the
/// worker computes an honest-looking gradient of the poisoned data.
/// </summary>
public interface IDataAttack
{
    /// <summary>Canonical spec, e.g. <c>label-flip</c>.</summary>
    string Spec { get; }

    /// <summary>The label the worker trains on in place of <paramref name="label"/> (0 ≤ label &lt; classCount).</summary>
    int PoisonLabel(int label, int classCount);
}
