namespace SimByz.Specs;

/// <summary>
/// One parsed component of a spec: a name and its <c>key=value</c> parameters, e.g. <c>krum:f=4</c>.
/// </summary>
/// <remarks>
/// Grammar (shared by aggregators, pre-aggregators, attacks and delay models):
/// <code>
/// chain     := component ( '+' component )*        e.g. bucketing:s=2+trimmed-mean:b=3
/// component := name [ ':' param ( ',' param )* ]    e.g. zeno:b=8,rho=0.0005
/// param     := key '=' value
/// </code>
/// Names and keys are lower-case letters, digits, '-' and '_'; values are any text without ',', '+'
/// or ':' (numbers use '.' as decimal point). In a chain every component but the last is a
/// pre-aggregator applied in order; the last is the rule. Whitespace around tokens is ignored.
/// Parameters are read through <see cref="SpecParameters"/>, which rejects unknown keys.
/// </remarks>
public sealed record ComponentSpec(string Name, IReadOnlyList<KeyValuePair<string, string>> Parameters)
{
    /// <summary>The canonical text: name, then parameters in the given order.</summary>
    public override string ToString()
        => Parameters.Count == 0 ? Name : Name + ":" + string.Join(",", Parameters.Select(p => p.Key + "=" + p.Value));

    /// <summary>Parses one component. <paramref name="what"/> names the kind in errors ("rule", "attack").</summary>
    /// <exception cref="SimByzException">Malformed text, with the position of the problem.</exception>
    public static ComponentSpec Parse(string text, string what = "spec")
    {
        string s = (text ?? "").Trim();
        if (s.Length == 0) throw new SimByzException($"empty {what}: expected NAME or NAME:key=value,...");
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        string name = (colon < 0 ? s : s[..colon]).Trim();
        if (!IsIdentifier(name))
        {
            throw new SimByzException($"{what} '{s}': '{name}' is not a valid name (lower-case letters, digits, '-', '_')");
        }
        var parameters = new List<KeyValuePair<string, string>>();
        if (colon >= 0)
        {
            string rest = s[(colon + 1)..];
            if (rest.Trim().Length == 0) throw new SimByzException($"{what} '{s}': nothing after ':' (expected key=value)");
            foreach (string part in rest.Split(','))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0) throw new SimByzException($"{what} '{s}': parameter '{part.Trim()}' is not key=value");
                string key = part[..eq].Trim(), value = part[(eq + 1)..].Trim();
                if (!IsIdentifier(key)) throw new SimByzException($"{what} '{s}': '{key}' is not a valid parameter name");
                if (value.Length == 0) throw new SimByzException($"{what} '{s}': parameter '{key}' has no value");
                if (value.Contains(':', StringComparison.Ordinal)) throw new SimByzException($"{what} '{s}': value of '{key}' contains ':'");
                if (parameters.Any(p => p.Key == key)) throw new SimByzException($"{what} '{s}': parameter '{key}' given twice");
                parameters.Add(new(key, value));
            }
        }
        return new ComponentSpec(name, parameters);
    }

    /// <summary>Parses <c>a+b+c</c> into its components.</summary>
    public static IReadOnlyList<ComponentSpec> ParseChain(string text, string what = "spec")
    {
        string s = (text ?? "").Trim();
        if (s.Length == 0) throw new SimByzException($"empty {what}");
        return s.Split('+').Select(p => Parse(p, what)).ToList();
    }

    private static bool IsIdentifier(string s)
        => s.Length > 0 && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.');

    /// <summary>Typed, validated access to the parameters; see <see cref="SpecParameters"/>.</summary>
    public SpecParameters Read(string what = "spec") => new(this, what);
}
