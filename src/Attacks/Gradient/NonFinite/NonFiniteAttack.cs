using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Non-finite values: rows of NaN, +∞ or −∞, testing that a rule neither crashes nor lets one
/// poisoned row turn the aggregate into NaN.
/// </summary>
/// <remarks>
/// <c>nonfinite:kind=nan|inf|-inf|mixed</c>: every coordinate NaN (default), +∞ (ByzFL's
/// <c>Inf</c>), −∞, or <c>mixed</c>: coordinate j of row k is NaN, +∞, −∞ for (k + j) mod 3 = 0, 1, 2.
/// Deterministic.
/// </remarks>
internal sealed class NonFiniteAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "nonfinite", "send NaN, +Inf, -Inf or a mix of them",
        "REFERENCE.md (Inf/NaN); ByzFL Inf", "any q ≤ n−1",
        [new("kind", "nan|inf|-inf|mixed", "nan", "mixed: (row + coordinate) mod 3 picks NaN, +Inf, -Inf")]);

    private readonly string _kind;

    private NonFiniteAttack(string kind)
    {
        _kind = kind;
        Spec = new SpecText("nonfinite").Add("kind", kind).ToString();
    }

    public static IGradientAttack Create(SpecParameters p) => new NonFiniteAttack(p.GetChoice("kind", "nan", "nan", "inf", "-inf", "mixed"));

    public string Spec { get; }

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        switch (_kind)
        {
            case "nan": output.Fill(float.NaN); break;
            case "inf": output.Fill(float.PositiveInfinity); break;
            case "-inf": output.Fill(float.NegativeInfinity); break;
            default:
                for (int k = 0; k < context.ByzantineCount; k++)
                {
                    Span<float> row = output.Slice(k * d, d);
                    for (int j = 0; j < d; j++)
                    {
                        row[j] = ((k + j) % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
                    }
                }
                break;
        }
    }
}
