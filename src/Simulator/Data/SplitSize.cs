namespace SimByz.Simulator.Data;

/// <summary>
/// A size given as a count (an integer ≥ 0) or as a fraction of a total (a number in (0, 1)),
/// written <c>500</c> or <c>0.05</c>.
/// </summary>
/// <remarks>A fraction resolves to ⌊fraction·total⌋ (at least 1 when the fraction is positive and total ≥ 1).</remarks>
public readonly record struct SplitSize
{
    private SplitSize(int count, double fraction)
    {
        Count = count;
        Fraction = fraction;
    }

    /// <summary>The count, when given as a count (else 0).</summary>
    public int Count { get; }

    /// <summary>The fraction, when given as a fraction (else 0).</summary>
    public double Fraction { get; }

    /// <summary>True for the empty size (count 0).</summary>
    public bool IsZero => Count == 0 && Fraction == 0;

    /// <summary>No rows.</summary>
    public static SplitSize None => default;

    /// <summary>Exactly <paramref name="count"/> rows.</summary>
    public static SplitSize Of(int count)
    {
        if (count < 0) throw new SimByzException($"size {count} is invalid: expected a count ≥ 0 or a fraction in (0, 1)");
        return new(count, 0);
    }

    /// <summary>A fraction in (0, 1) of the total.</summary>
    public static SplitSize OfFraction(double fraction)
    {
        if (!(fraction > 0 && fraction < 1)) throw new SimByzException($"size {fraction} is invalid: a fraction must be in (0, 1)");
        return new(0, fraction);
    }

    /// <summary>Parses <c>500</c> (a count) or <c>0.05</c> (a fraction); <paramref name="what"/> names the field in errors.</summary>
    public static SplitSize Parse(string text, string what)
    {
        string s = (text ?? "").Trim();
        if (int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count)) return Of(count);
        if (double.TryParse(s, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out double f) && f > 0 && f < 1)
        {
            return new(0, f);
        }
        throw new SimByzException($"{what} '{text}' is invalid: expected a count (integer ≥ 0) or a fraction in (0, 1), e.g. 500 or 0.05");
    }

    /// <summary>The number of rows out of <paramref name="total"/>.</summary>
    public int Resolve(int total)
    {
        if (Fraction > 0)
        {
            int n = (int)(Fraction * total);
            return total >= 1 && n == 0 ? 1 : n;
        }
        return Count;
    }

    public override string ToString()
        => Fraction > 0 ? Fraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
