using System.Globalization;
using System.Text;

namespace SimByz.Attacks;

/// <summary>Builds a component's canonical spec text (<c>name:k=v,...</c>, numbers invariant and round-trip).</summary>
internal sealed class SpecText
{
    private readonly StringBuilder _text;
    private bool _hasParameters;

    public SpecText(string name) => _text = new StringBuilder(name);

    public SpecText Add(string key, string value)
    {
        _text.Append(_hasParameters ? ',' : ':').Append(key).Append('=').Append(value);
        _hasParameters = true;
        return this;
    }

    public SpecText Add(string key, double value) => Add(key, Number(value));

    public SpecText Add(string key, long value) => Add(key, value.ToString(CultureInfo.InvariantCulture));

    public override string ToString() => _text.ToString();

    /// <summary>Shortest round-trip text of <paramref name="value"/> with '.' as decimal point.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
