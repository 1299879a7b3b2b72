using System.Text.RegularExpressions;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// One dimension of a grid: the field(s) it varies together and their values in the grid's order.
/// A plain axis has one field (<c>"q": [4, 8]</c>, <c>"task.partition": ["iid", …]</c>); a linked axis
/// has several, named in its key joined by <c>+</c>, and each value is an array with one entry per field
/// (<c>"q+defences": [[4, "zeno:b=4"], [8, "zeno:b=8"]]</c>).
/// </summary>
/// <param name="Key">The key in <c>axes</c> (for a shorthand the grid leaves out: its name).</param>
/// <param name="Fields">The fields, in the key's order.</param>
/// <param name="Values">The values: <c>Values[i][f]</c> is value i of field f.</param>
/// <param name="Given">False when the grid leaves the shorthand out: its one value is the base's.</param>
public sealed partial record SweepAxis(string Key, IReadOnlyList<SweepField> Fields, IReadOnlyList<IReadOnlyList<SweepValue>> Values, bool Given)
{
    /// <summary>Number of values.</summary>
    public int Count => Values.Count;

    /// <summary>Whether the axis varies several fields together.</summary>
    public bool IsLinked => Fields.Count > 1;

    /// <summary>The axis's JSON path in the grid: <c>$.axes.q</c>, or <c>$.axes["task.partition"]</c> for a key that is not a plain name.</summary>
    public string Path => PathOf(Key);

    /// <summary>The JSON path of value <paramref name="value"/> of field <paramref name="field"/>.</summary>
    public string ValuePath(int value, int field) => IsLinked ? $"{Path}[{value}][{field}]" : $"{Path}[{value}]";

    /// <summary>The grid JSON path of axis <paramref name="key"/>.</summary>
    public static string PathOf(string key) => PlainName().IsMatch(key) ? "$.axes." + key : "$.axes[\"" + key.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"]";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex PlainName();
}
