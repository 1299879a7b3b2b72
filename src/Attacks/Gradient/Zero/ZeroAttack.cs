using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>Zero: every Byzantine worker sends the zero vector (it replies, but contributes nothing).</summary>
/// <remarks>Under Mean it shrinks the step by q/n; under Zeno it scores exactly 0. Deterministic.
/// Compare <c>omission</c>, where the worker does not reply at all.</remarks>
internal sealed class ZeroAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "zero", "send the zero vector", "REFERENCE.md attack catalogue (zero/omission)", "any q ≤ n−1", []);

    public static IGradientAttack Create(SpecParameters _) => new ZeroAttack();

    public string Spec => "zero";

    public void Craft(AttackContext context, Span<float> output)
    {
        AttackMath.CheckShape(context, output, Spec);
        output.Clear();
    }
}
