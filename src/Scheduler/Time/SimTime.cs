using System.Globalization;

namespace SimByz.Scheduler;

/// <summary>
/// A point in simulated time, or a duration, as a whole number of nanoseconds.
/// </summary>
/// <remarks>
/// Scheduling never uses floating point (DESIGN.md, Time): continuous samples are rounded to
/// nanoseconds once, when drawn, by <see cref="FromSeconds(double)"/>. Text form is a decimal
/// number followed by a unit (<c>ns</c>, <c>us</c>, <c>ms</c>, <c>s</c>, <c>min</c>, <c>h</c>), e.g.
/// <c>1.5ms</c>; <see cref="ToString()"/> picks the largest unit in which the value is at least 1
/// and has at most 9 decimals, and prints it exactly, so <see cref="Parse"/> round-trips it. Immutable and thread-safe.
/// </remarks>
public readonly struct SimTime : IEquatable<SimTime>, IComparable<SimTime>
{
    /// <summary>Nanoseconds since the start of the run (or the length of a duration).</summary>
    public long Nanoseconds { get; }

    public SimTime(long nanoseconds) => Nanoseconds = nanoseconds;

    public static SimTime Zero => default;
    public static SimTime MaxValue => new(long.MaxValue);

    public static SimTime FromNanoseconds(long ns) => new(ns);
    /// <exception cref="SimTimeOverflowException">Beyond ±292 years.</exception>
    public static SimTime FromMicroseconds(long us) => long.MaxValue / 1_000L >= Math.Abs(us) ? new(us * 1_000L) : throw new SimTimeOverflowException($"{us} us");

    /// <exception cref="SimTimeOverflowException">Beyond ±292 years.</exception>
    public static SimTime FromMilliseconds(long ms) => long.MaxValue / 1_000_000L >= Math.Abs(ms) ? new(ms * 1_000_000L) : throw new SimTimeOverflowException($"{ms} ms");

    /// <summary>Rounds a duration in seconds to the nearest nanosecond (ties away from zero).</summary>
    /// <exception cref="ArgumentOutOfRangeException">NaN, infinite or beyond ±292 years.</exception>
    public static SimTime FromSeconds(double seconds)
    {
        if (!double.IsFinite(seconds) || Math.Abs(seconds) > 9.2e9)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "a simulated duration must be finite and within ±292 years");
        }
        return new((long)Math.Round(seconds * 1e9, MidpointRounding.AwayFromZero));
    }

    /// <summary>The value in seconds, for reporting only (never fed back into scheduling).</summary>
    public double TotalSeconds => Nanoseconds / 1e9;

    /// <summary>The sum; never wraps.</summary>
    /// <exception cref="SimTimeOverflowException">The sum is beyond ±292 years.</exception>
    public static SimTime operator +(SimTime a, SimTime b)
        => long.MaxValue - Math.Max(0, b.Nanoseconds) >= a.Nanoseconds && long.MinValue - Math.Min(0, b.Nanoseconds) <= a.Nanoseconds
            ? new(a.Nanoseconds + b.Nanoseconds)
            : throw new SimTimeOverflowException($"{a} + {b}");

    /// <summary>The difference; never wraps.</summary>
    /// <exception cref="SimTimeOverflowException">The difference is beyond ±292 years.</exception>
    public static SimTime operator -(SimTime a, SimTime b)
        => (b.Nanoseconds >= 0 ? a.Nanoseconds >= long.MinValue + b.Nanoseconds : a.Nanoseconds <= long.MaxValue + b.Nanoseconds)
            ? new(a.Nanoseconds - b.Nanoseconds)
            : throw new SimTimeOverflowException($"{a} - {b}");

    /// <summary>The multiple; never wraps.</summary>
    /// <exception cref="SimTimeOverflowException">The product is beyond ±292 years.</exception>
    public static SimTime operator *(SimTime a, long k)
    {
        Int128 product = (Int128)a.Nanoseconds * k;
        return product >= long.MinValue && product <= long.MaxValue ? new((long)product) : throw new SimTimeOverflowException($"{a} × {k}");
    }
    public static bool operator <(SimTime a, SimTime b) => a.Nanoseconds < b.Nanoseconds;
    public static bool operator >(SimTime a, SimTime b) => a.Nanoseconds > b.Nanoseconds;
    public static bool operator <=(SimTime a, SimTime b) => a.Nanoseconds <= b.Nanoseconds;
    public static bool operator >=(SimTime a, SimTime b) => a.Nanoseconds >= b.Nanoseconds;
    public static bool operator ==(SimTime a, SimTime b) => a.Nanoseconds == b.Nanoseconds;
    public static bool operator !=(SimTime a, SimTime b) => a.Nanoseconds != b.Nanoseconds;

    public static SimTime Max(SimTime a, SimTime b) => a.Nanoseconds >= b.Nanoseconds ? a : b;
    public static SimTime Min(SimTime a, SimTime b) => a.Nanoseconds <= b.Nanoseconds ? a : b;

    public bool Equals(SimTime other) => Nanoseconds == other.Nanoseconds;
    public override bool Equals(object? obj) => obj is SimTime t && Equals(t);
    public override int GetHashCode() => Nanoseconds.GetHashCode();
    public int CompareTo(SimTime other) => Nanoseconds.CompareTo(other.Nanoseconds);

    private static readonly (string Unit, long Ns)[] Units =
    [
        ("h", 3_600_000_000_000L), ("min", 60_000_000_000L), ("s", 1_000_000_000L),
        ("ms", 1_000_000L), ("us", 1_000L), ("ns", 1L),
    ];

    /// <summary>Exact text form, e.g. <c>1.5ms</c>, <c>0ns</c>, <c>-2s</c>.</summary>
    public override string ToString()
    {
        long abs = Nanoseconds == long.MinValue ? long.MaxValue : Math.Abs(Nanoseconds);
        foreach (var (unit, ns) in Units)
        {
            // A unit is used only if the value is a whole number of 1e-9 units in it (printed exactly
            // with at most 9 decimals): 123456789012 ns is 123.456789012s, not 2.0576131502min.
            if ((abs >= ns && (Int128)Nanoseconds * 1_000_000_000 % ns == 0) || ns == 1)
            {
                decimal value = (decimal)Nanoseconds / ns;
                return value.ToString("0.#########", CultureInfo.InvariantCulture) + unit;
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Parses <c>NUMBER UNIT</c> (unit required; <c>µs</c> accepted for <c>us</c>).</summary>
    /// <exception cref="FormatException">Malformed text, unknown unit, or not a whole number of nanoseconds.</exception>
    public static SimTime Parse(string text)
    {
        if (TryParse(text, out var t, out var error)) return t;
        throw new FormatException(error);
    }

    public static bool TryParse(string? text, out SimTime value, out string error)
    {
        value = default;
        error = "";
        string s = (text ?? "").Trim();
        int split = s.Length;
        while (split > 0 && char.IsLetter(s[split - 1])) split--;
        string number = s[..split].Trim(), unit = s[split..].Replace("µ", "u", StringComparison.Ordinal);
        if (unit == "" && s.EndsWith("µs", StringComparison.Ordinal)) { number = s[..^2]; unit = "us"; }
        long scale = 0;
        foreach (var (u, ns) in Units) if (u == unit) scale = ns;
        if (unit == "m") scale = 60_000_000_000L;
        if (scale == 0)
        {
            error = $"'{text}' is not a duration: expected a number and a unit (ns, us, ms, s, min, h), e.g. 1.5ms";
            return false;
        }
        if (!decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d))
        {
            error = $"'{text}' is not a duration: '{number}' is not a decimal number";
            return false;
        }
        decimal ns2;
        try { ns2 = d * scale; }
        catch (OverflowException) { error = $"'{text}' is out of range"; return false; }
        if (ns2 != decimal.Truncate(ns2))
        {
            error = $"'{text}' is not a whole number of nanoseconds";
            return false;
        }
        if (ns2 > long.MaxValue || ns2 < long.MinValue) { error = $"'{text}' is out of range"; return false; }
        value = new SimTime((long)ns2);
        return true;
    }
}
