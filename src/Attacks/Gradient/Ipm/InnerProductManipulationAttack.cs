using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Inner-product manipulation, "Fall of Empires" (Xie, Koyejo, Gupta, UAI 2019): all Byzantine
/// workers send u = −ε·mean(honest).
/// </summary>
/// <remarks>
/// <para>With small ε the Byzantine rows sit close to the honest ones, so distance- and
/// rank-based rules keep them, yet they pull the aggregate's inner product with the true gradient
/// below zero: the paper proves ⟨g, E[Median]⟩ &lt; 0 when n − 2q = 1 and
/// max_j |g_j| &lt; σ/√(n−q−1), and ⟨g, E[Krum]⟩ &lt; 0 for n − 2q = 3 and
/// n − q &gt; 2(ε+2)²/ε² + 2. The talk's example: honest {−0.3, 1, 2}, two rows −ε·mean make the
/// Median negative for every ε &gt; 0.</para>
/// <para><c>ipm:eps=0.1</c>; default ε = 0.1 (Karimireddy et al., ICLR 2022); values seen
/// elsewhere: 0.5, 1, 100. ByzFL's current <c>InnerProductManipulation(tau)</c> (default τ = 2.0) sends
/// −τ·mean, i.e. ε = τ; ByzFL before December 2024 (<c>FallOfEmpires(τ)</c>) sent (1 − τ)·mean, i.e. ε = τ − 1.
/// Colluding (identical rows). With no honest row the mean of the own gradients stands in; with
/// neither, the rows are zero. Deterministic.</para>
/// </remarks>
internal sealed class InnerProductManipulationAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "ipm", "inner-product manipulation (Fall of Empires): all send −ε·mean(honest)",
        "Xie, Koyejo, Gupta, UAI 2019; ε=0.1 as Karimireddy et al., ICLR 2022 (ByzFL InnerProductManipulation τ = ε; before Dec 2024 FallOfEmpires τ = 1+ε)",
        "any q ≤ n−1",
        [new("eps", "number ≥ 0", "0.1", "scale ε of the reversed honest mean")]);

    private readonly float _eps;
    private float[] _mean = [];
    private double[] _scratch = [];

    private InnerProductManipulationAttack(double eps)
    {
        _eps = (float)eps;
        Spec = new SpecText("ipm").Add("eps", eps).ToString();
    }

    public static IGradientAttack Create(SpecParameters p) => new InnerProductManipulationAttack(p.GetDouble("eps", 0.1, min: 0));

    public string Spec { get; }

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        int q = context.ByzantineCount;
        if (q == 0) return;
        var reference = AttackMath.Reference(context);
        if (reference is null)
        {
            output.Clear();
            return;
        }
        Span<float> mean = AttackMath.Grow(ref _mean, d);
        AttackMath.Mean(reference, mean, ref _scratch);
        AttackMath.Scale(mean, -_eps, output[..d]);
        AttackMath.FillRows(output, output[..d], q);
    }
}
