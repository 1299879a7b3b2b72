using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Omission: the Byzantine workers never send anything (a crash that looks like a slow worker).
/// </summary>
/// <remarks>
/// A marker attack: <see cref="IGradientAttack.IsOmission"/> is true and the protocol must not
/// ask it for rows; a synchronous round then completes only by its deadline or first-k rule (a
/// protocol that waits for all n replies never completes, which the protocol must report), and an
/// asynchronous server simply never hears from these workers. <see cref="Craft"/> throws
/// <see cref="InvalidOperationException"/>: calling it is a protocol bug, not a user error.
/// </remarks>
internal sealed class OmissionAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "omission", "never send (the protocol must cope: deadline or first-k)",
        "REFERENCE.md attack catalogue (zero/omission)", "any q ≤ n−1; sync needs a deadline or first-k", []);

    public static IGradientAttack Create(SpecParameters _) => new OmissionAttack();

    public string Spec => "omission";

    public bool IsOmission => true;

    public void Craft(AttackContext context, Span<float> output)
        => throw new InvalidOperationException("the omission attack never sends: the protocol must check IGradientAttack.IsOmission and not ask for rows");
}
