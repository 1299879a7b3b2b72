using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Honest pass-through: each Byzantine worker sends the gradient it computed, unchanged.
/// </summary>
/// <remarks>
/// The gradient side of a data-level attack: with <c>label-flip</c> the worker trains on poisoned
/// labels and this sends the resulting honest-looking gradient. Also a "no attack" baseline with
/// the Byzantine workers counted. Without own gradients it falls back to the honest mean (or zero
/// with no honest row either). Deterministic.
/// </remarks>
internal sealed class HonestAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "honest", "send the own (possibly data-poisoned) gradient unchanged",
        "baseline; gradient side of data-level attacks (label flip: Zeno, Xie et al., ICML 2019)", "any q ≤ n−1", []);

    private float[] _mean = [];
    private double[] _scratch = [];

    public static IGradientAttack Create(SpecParameters _) => new HonestAttack();

    public string Spec => "honest";

    public bool NeedsOwnGradients => true;

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        int q = context.ByzantineCount;
        if (q == 0) return;
        if (context.OwnGradients is { } own)
        {
            own.Data.CopyTo(output);
            return;
        }
        if (context.Honest.Count == 0)
        {
            output.Clear();
            return;
        }
        Span<float> mean = AttackMath.Grow(ref _mean, d);
        AttackMath.Mean(context.Honest, mean, ref _scratch);
        AttackMath.FillRows(output, mean, q);
    }
}
