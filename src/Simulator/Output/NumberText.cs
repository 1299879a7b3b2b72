using System.Globalization;
using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Output;

/// <summary>How results print: one formatting of percentages and of non-finite numbers in JSON, shared by
/// the run, replay and sweep tables, the reproduction pages, summary.json and stored sweep runs.</summary>
public static class NumberText
{
    /// <summary>A fraction as a percentage with one decimal (0.871 → "87.1%"), or "n/a" when not finite.</summary>
    public static string Percent(double fraction)
        => double.IsFinite(fraction) ? (100 * fraction).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";

    /// <summary>A JSON number; JSON has no NaN or infinity, so those are written as strings ("NaN", "Infinity").</summary>
    public static JToken Json(double v) => double.IsFinite(v) ? new JValue(v) : new JValue(v.ToString(CultureInfo.InvariantCulture));
}
