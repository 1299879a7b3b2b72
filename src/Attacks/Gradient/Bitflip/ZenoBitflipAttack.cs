using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// The Zeno reference code's "bitflip" attack: every Byzantine worker sends −g₀, the reversed
/// gradient of the first Byzantine worker, so all Byzantine rows are identical.
/// </summary>
/// <remarks>
/// Source: xcgoner/icml2019_zeno (REFERENCE.md, Zeno). Differs from <c>sign-flip:of=own</c>, where
/// each worker reverses its own gradient: here they collude on one vector. Without own gradients
/// it falls back to −(first honest row), then to zero. Deterministic.
/// </remarks>
internal sealed class ZenoBitflipAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "bitflip", "all Byzantine workers send −g of the first Byzantine worker",
        "Zeno reference code xcgoner/icml2019_zeno (Xie et al., ICML 2019)", "any q ≤ n−1", []);

    public static IGradientAttack Create(SpecParameters _) => new ZenoBitflipAttack();

    public string Spec => "bitflip";

    public bool NeedsOwnGradients => true;

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        int q = context.ByzantineCount;
        if (q == 0) return;
        ReadOnlySpan<float> source;
        if (context.OwnGradients is { } own) source = own.Row(0);
        else if (context.Honest.Count > 0) source = context.Honest.Row(0);
        else
        {
            output.Clear();
            return;
        }
        AttackMath.Scale(source, -1f, output[..d]);
        AttackMath.FillRows(output, output[..d], q);
    }
}
