using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Sign flipping: send the reversed gradient, scaled by s.
/// </summary>
/// <remarks>
/// <para><c>sign-flip:s=1,of=own|mean</c>, two named variants:</para>
/// <list type="bullet">
/// <item><c>of=own</c> (default): each Byzantine worker acts alone and sends −s·gᵢ, gᵢ the gradient
/// it computed on its own shard (<see cref="AttackContext.OwnGradients"/>). s = 1 is the Zeno
/// setting (Xie et al., ICML 2019), s = 10 the Zeno++ reference code (xcgoner/iclr2020_zeno_async
/// sends −10·g). When the protocol supplied no own gradients, every row falls back to −s·mean(honest).</item>
/// <item><c>of=mean</c>: the workers collude and all send −s·mean(honest), as ByzFL's
/// <c>SignFlipping</c> (Allen-Zhu et al., ICLR 2021). With no honest row the mean of the own
/// gradients stands in; with neither, the rows are zero.</item>
/// </list>
/// <para>Default s = 1. Deterministic (no draws).</para>
/// </remarks>
internal sealed class SignFlipAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "sign-flip", "send −s·(own gradient) or −s·mean(honest)",
        "Zeno (Xie et al., ICML 2019) s=1; Zeno++ reference code s=10; of=mean: ByzFL SignFlipping (Allen-Zhu et al., ICLR 2021)",
        "any q ≤ n−1",
        [
            new("s", "number", "1", "scale of the reversed vector"),
            new("of", "own|mean", "own", "own: each worker reverses its own gradient; mean: all send the reversed honest mean"),
        ]);

    private readonly float _scale;
    private readonly bool _ofOwn;
    private float[] _mean = [];
    private double[] _scratch = [];

    private SignFlipAttack(double scale, bool ofOwn)
    {
        _scale = (float)scale;
        _ofOwn = ofOwn;
        Spec = new SpecText("sign-flip").Add("s", scale).Add("of", ofOwn ? "own" : "mean").ToString();
    }

    public static IGradientAttack Create(SpecParameters p)
        => new SignFlipAttack(p.GetDouble("s", defaultValue: 1.0), p.GetChoice("of", "own", "own", "mean") == "own");

    public string Spec { get; }

    public bool NeedsOwnGradients => _ofOwn;

    /// <summary>Of the own gradient, the honest rows are never read (the own rows are always given).</summary>
    public bool ReadsHonestRows => !_ofOwn;

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        int q = context.ByzantineCount;
        if (q == 0) return;
        if (_ofOwn && context.OwnGradients is { } own)
        {
            AttackMath.Scale(own.Data, -_scale, output);
            return;
        }
        var reference = AttackMath.Reference(context);
        if (reference is null)
        {
            output.Clear();
            return;
        }
        Span<float> mean = AttackMath.Grow(ref _mean, d);
        AttackMath.Mean(reference, mean, ref _scratch);
        AttackMath.Scale(mean, -_scale, output[..d]);
        AttackMath.FillRows(output, output[..d], q);
    }
}
