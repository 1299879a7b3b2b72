using System.Globalization;

namespace SimByz.Simulator.Composition;

/// <summary>
/// The memory a command may plan to use, in bytes, and where the figure came from (for the message
/// when a run is refused): <c>--max-memory</c>, or by default the memory available to new processes
/// (<c>MemAvailable</c> in <c>/proc/meminfo</c> on Linux; elsewhere what the runtime reports).
/// </summary>
/// <param name="Bytes">The limit.</param>
/// <param name="Source">Where it came from, e.g. "--max-memory 8GB".</param>
public sealed record MemoryLimit(long Bytes, string Source)
{
    /// <summary>The limit <paramref name="text"/> gives (null: <see cref="Available"/>).</summary>
    /// <exception cref="SimByzException"><paramref name="text"/> is not a size.</exception>
    public static MemoryLimit FromOption(string? text) => text is null ? Available() : new(ParseSize(text, "--max-memory"), $"--max-memory {text}");

    /// <summary>The memory available now.</summary>
    public static MemoryLimit Available()
    {
        if (OperatingSystem.IsLinux() && ReadMemAvailable() is { } bytes) return new(bytes, "the memory available (MemAvailable in /proc/meminfo; --max-memory changes it)");
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new(total, "the memory available to this process (--max-memory changes it)");
    }

    /// <summary>
    /// Parses a size: a number with an optional unit B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB,
    /// TiB (powers of 1024), e.g. <c>8GB</c>, <c>512MiB</c>, <c>1.5GB</c>; a plain number is bytes.
    /// </summary>
    public static long ParseSize(string text, string what)
    {
        string s = text.Trim();
        int split = s.Length;
        while (split > 0 && char.IsAsciiLetter(s[split - 1])) split--;
        string unit = s[split..].ToUpperInvariant();
        double scale = unit switch
        {
            "" or "B" => 1,
            "KB" or "K" => 1e3,
            "MB" or "M" => 1e6,
            "GB" or "G" => 1e9,
            "TB" or "T" => 1e12,
            "KIB" => 1024.0,
            "MIB" => 1024.0 * 1024,
            "GIB" => 1024.0 * 1024 * 1024,
            "TIB" => 1024.0 * 1024 * 1024 * 1024,
            _ => 0,
        };
        if (scale == 0 || !double.TryParse(s[..split], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value * scale >= long.MaxValue || value * scale < 1)
        {
            throw new SimByzException($"{what} '{text}' is not a size: expected a positive number with an optional unit, e.g. 8GB, 512MiB, 2000000000");
        }
        return (long)(value * scale);
    }

    /// <summary>A size for messages, e.g. <c>8.6 GB</c>.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1_000_000_000 => (bytes / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + " GB",
        >= 1_000_000 => (bytes / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        >= 1_000 => (bytes / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + " kB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    private static long? ReadMemAvailable()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb)) return kb * 1024;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc: the runtime's figure is used.
        }
        return null;
    }
}
