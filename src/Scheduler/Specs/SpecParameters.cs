using System.Globalization;

namespace SimByz.Specs;

/// <summary>
/// Reads a component's parameters with types, defaults and ranges, and rejects unknown ones.
/// Call the getters for every known key, then <see cref="EnsureAllUsed"/>.
/// </summary>
/// <remarks>Errors name the component, the key, the bad value and what is allowed.</remarks>
public sealed class SpecParameters
{
    private readonly ComponentSpec _spec;
    private readonly string _what;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    internal SpecParameters(ComponentSpec spec, string what)
    {
        _spec = spec;
        _what = what;
    }

    private string? Raw(string key)
    {
        _known.Add(key);
        foreach (var p in _spec.Parameters) if (p.Key == key) return p.Value;
        return null;
    }

    private SimByzException Bad(string key, string value, string expected)
        => new($"{_what} '{_spec}': parameter '{key}={value}' is invalid: expected {expected}");

    /// <summary>The component spec these parameters belong to.</summary>
    public ComponentSpec Spec => _spec;

    /// <summary>True if the key was given.</summary>
    public bool Has(string key) => Raw(key) is not null;

    public int GetInt(string key, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        string? raw = Raw(key);
        if (raw is null) return defaultValue;
        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
        {
            // An integer beyond what an int holds ("krum:f=10000000000") gets both bounds: "expected an integer ≥ 0" alone
            // would not say what is wrong with it.
            bool beyondInt = System.Numerics.BigInteger.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big)
                && (big < int.MinValue || big > int.MaxValue);
            throw Bad(key, raw, beyondInt
                ? $"an integer in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]"
                : RangeText("an integer", min, max));
        }
        return v;
    }

    /// <summary>A required integer (a separate name from <see cref="GetInt"/>, so that <c>GetInt("k", 1)</c> is never ambiguous).</summary>
    public int RequireInt(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!Has(key)) throw new SimByzException($"{_what} '{_spec}': parameter '{key}' is required ({RangeText("an integer", min, max)})");
        return GetInt(key, 0, min, max);
    }

    public double GetDouble(string key, double defaultValue, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        string? raw = Raw(key);
        if (raw is null) return defaultValue;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v < min || v > max)
        {
            throw Bad(key, raw, RangeText("a finite number", min, max));
        }
        return v;
    }

    /// <summary>A required number (a separate name from <see cref="GetDouble"/>, so that <c>GetDouble("x", 1)</c> is never ambiguous).</summary>
    public double RequireDouble(string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (!Has(key)) throw new SimByzException($"{_what} '{_spec}': parameter '{key}' is required ({RangeText("a number", min, max)})");
        return GetDouble(key, 0, min, max);
    }

    /// <summary>One of <paramref name="allowed"/> (case-sensitive).</summary>
    public string GetChoice(string key, string defaultValue, params string[] allowed)
    {
        string? raw = Raw(key);
        if (raw is null) return defaultValue;
        if (!allowed.Contains(raw, StringComparer.Ordinal)) throw Bad(key, raw, "one of " + string.Join(", ", allowed));
        return raw;
    }

    public bool GetBool(string key, bool defaultValue)
    {
        string? raw = Raw(key);
        if (raw is null) return defaultValue;
        return raw switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw Bad(key, raw, "true or false"),
        };
    }

    public string GetString(string key, string defaultValue) => Raw(key) ?? defaultValue;

    /// <summary>Throws if a parameter was given that no getter asked for, listing the known ones.</summary>
    public void EnsureAllUsed()
    {
        foreach (var p in _spec.Parameters)
        {
            if (!_known.Contains(p.Key))
            {
                string known = _known.Count == 0 ? "it takes no parameters" : "known: " + string.Join(", ", _known.Order(StringComparer.Ordinal));
                throw new SimByzException($"{_what} '{_spec}': unknown parameter '{p.Key}' ({known})");
            }
        }
    }

    private static string RangeText(string kind, double min, double max)
    {
        bool lo = !double.IsNegativeInfinity(min) && min != int.MinValue, hi = !double.IsPositiveInfinity(max) && max != int.MaxValue;
        string F(double x) => x.ToString(CultureInfo.InvariantCulture);
        return (lo, hi) switch
        {
            (true, true) => $"{kind} in [{F(min)}, {F(max)}]",
            (true, false) => $"{kind} ≥ {F(min)}",
            (false, true) => $"{kind} ≤ {F(max)}",
            _ => kind,
        };
    }
}
