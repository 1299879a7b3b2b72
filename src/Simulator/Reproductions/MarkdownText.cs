using System.Globalization;
using System.Text;

namespace SimByz.Simulator.Reproductions;

/// <summary>Small helpers for the reproductions' Markdown and CSV text (invariant culture, LF line ends).</summary>
internal static class MarkdownText
{
    /// <summary>A Markdown table.</summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder();
        sb.Append("| ").Append(string.Join(" | ", header.Select(Cell))).Append(" |\n");
        sb.Append('|').Append(string.Concat(header.Select(_ => " --- |"))).Append('\n');
        foreach (var row in rows) sb.Append("| ").Append(string.Join(" | ", row.Select(Cell))).Append(" |\n");
        return sb.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>A number with four significant decimals, or its non-finite name.</summary>
    public static string Num(double v, string format = "0.0000")
    {
        if (!double.IsFinite(v)) return v.ToString(CultureInfo.InvariantCulture);
        if (Math.Abs(v) >= 1e6) return v.ToString("0.###e+0", CultureInfo.InvariantCulture);
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>Shortest round-trip text of a double (CSV).</summary>
    public static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An integer in invariant culture.</summary>
    public static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A CSV field, quoted when it holds a comma or a quote.</summary>
    public static string CsvField(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal)
        ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : s;

    /// <summary>The page header every reproduction starts with.</summary>
    public static void Header(StringBuilder sb, IReproduction r, ReproductionOptions o)
    {
        sb.Append("# ").Append(r.Name).Append(o.Quick ? " (quick)" : "").Append("\n\n");
        sb.Append(r.Summary).Append("\n\n");
        sb.Append("Follows: ").Append(r.Follows).Append("\n\n");
        sb.Append("Command:\n\n```\n").Append(o.Command.Length > 0 ? o.Command : $"simbyz reproduce {r.Name}{(o.Quick ? " --quick" : "")}").Append("\n```\n\n");
        sb.Append("Seed ").Append(o.Seed.ToString(CultureInfo.InvariantCulture));
        if (r.Trains) sb.Append(", model `").Append(o.Model).Append('`');
        sb.Append(o.Quick ? ", quick (reduced) settings" : ", full settings").Append(".\n\n");
    }
}
