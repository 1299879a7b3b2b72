using SimByz.Specs;

namespace SimByz.Attacks.Data;

/// <summary>
/// Label flipping: the Byzantine worker trains on y → C − 1 − y (with C classes), then sends the
/// honest-looking gradient of that poisoned data.
/// </summary>
/// <remarks>
/// Source: the Zeno reference code (xcgoner/icml2019_zeno) maps y → 9 − y on 10 classes; this is
/// the same map for any C. Deterministic, stateless, thread-safe. Pair it with the
/// <c>honest</c> gradient attack so the worker sends the poisoned gradient unchanged.
/// </remarks>
internal sealed class LabelFlipAttack : IDataAttack
{
    public static readonly ComponentInfo Info = new(
        "label-flip", "train on y → C−1−y, send the gradient of the poisoned data",
        "Zeno (Xie et al., ICML 2019), reference code xcgoner/icml2019_zeno (y → 9−y)", "any", []);

    public static IDataAttack Create(SpecParameters _) => new LabelFlipAttack();

    public string Spec => "label-flip";

    public int PoisonLabel(int label, int classCount)
    {
        LabelChecks.Check(label, classCount);
        return classCount - 1 - label;
    }
}

/// <summary>Argument checks shared by the data attacks.</summary>
internal static class LabelChecks
{
    public static void Check(int label, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (label < 0 || label >= classCount)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"label must lie in [0, {classCount})");
        }
    }
}
