using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Random large-norm vectors: each Byzantine row points in an independent uniformly random
/// direction and has Euclidean norm exactly <c>norm</c> (up to float32 rounding).
/// </summary>
/// <remarks>
/// <para><c>large-norm:norm=1e6</c> (default 10⁶). The direction is a vector of d standard normals
/// from <see cref="AttackContext.Rng"/> (row by row, coordinate by coordinate), divided by its
/// norm (<see cref="DetVec.Norm"/>, deterministic), which is uniform on the sphere. An all-zero
/// draw (probability 0) is redrawn. It breaks Mean at once and tests that distance-based rules
/// reject far rows.</para>
/// </remarks>
internal sealed class LargeNormAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "large-norm", "independent random directions with a large fixed norm",
        "REFERENCE.md attack catalogue; the unbounded-error argument of Blanchard et al., NeurIPS 2017", "any q ≤ n−1",
        [new("norm", "number > 0", "1e6", "Euclidean norm of every row")]);

    private readonly double _norm;

    private LargeNormAttack(double norm)
    {
        _norm = norm;
        Spec = new SpecText("large-norm").Add("norm", norm).ToString();
    }

    public static IGradientAttack Create(SpecParameters p)
    {
        double norm = p.GetDouble("norm", 1e6, min: 0, max: float.MaxValue);
        if (norm == 0) throw new SimByzException("attack 'large-norm': parameter 'norm=0' is invalid: expected a number > 0 (use 'zero' for zero rows)");
        return new LargeNormAttack(norm);
    }

    public string Spec { get; }

    public bool IsRandomized => true;

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        var rng = context.Rng;
        for (int k = 0; k < context.ByzantineCount; k++)
        {
            Span<float> row = output.Slice(k * d, d);
            double length;
            do
            {
                for (int j = 0; j < d; j++) row[j] = (float)rng.NextNormal();
                length = DetVec.Norm(row);
            }
            while (length == 0);
            AttackMath.Scale(row, (float)(_norm / length), row);
        }
    }
}
