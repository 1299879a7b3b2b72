using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Mimic: every Byzantine worker sends a copy of one chosen honest worker's vector, over-weighting
/// that worker (harmful under heterogeneous data, where one worker's gradient is biased).
/// </summary>
/// <remarks>
/// <para><c>mimic:worker=0</c>: copies honest row w of this round (rows in the order the protocol
/// passes them in <see cref="AttackContext.Honest"/>); when fewer rows are available (asynchronous
/// protocols pass the recent ones), row w mod h. With no honest row each worker sends its own
/// gradient (an honest behaviour), or zero when it has none. Default w = 0, as ByzFL's
/// <c>Mimic(epsilon=0)</c>.</para>
/// <para>Source: Karimireddy, He, Jaggi, "Byzantine-robust learning on heterogeneous datasets via
/// bucketing", ICLR 2022. Their heuristic that picks the worker of largest variance is not
/// implemented: the worker is fixed by the spec. Colluding, deterministic.</para>
/// </remarks>
internal sealed class MimicAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "mimic", "all Byzantine workers copy one chosen honest worker's vector",
        "Karimireddy, He, Jaggi, ICLR 2022; ByzFL Mimic", "any q ≤ n−1",
        [new("worker", "integer ≥ 0", "0", "index of the honest row to copy (mod the number of honest rows)")]);

    private readonly int _worker;

    private MimicAttack(int worker)
    {
        _worker = worker;
        Spec = new SpecText("mimic").Add("worker", worker).ToString();
    }

    public static IGradientAttack Create(SpecParameters p) => new MimicAttack(p.GetInt("worker", 0, min: 0));

    public string Spec { get; }

    public void Craft(AttackContext context, Span<float> output)
    {
        AttackMath.CheckShape(context, output, Spec);
        int q = context.ByzantineCount;
        if (q == 0) return;
        int h = context.Honest.Count;
        if (h > 0)
        {
            AttackMath.FillRows(output, context.Honest.Row(_worker % h), q);
        }
        else if (context.OwnGradients is { } own)
        {
            own.Data.CopyTo(output);
        }
        else
        {
            output.Clear();
        }
    }
}
