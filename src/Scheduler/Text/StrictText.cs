using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace SimByz;

/// <summary>
/// The one policy for text that users give SimByz (scenario and grid files, <c>--set</c> values, traces,
/// timing CSVs, duration lists): UTF-8 only, invalid bytes rejected with their line and column (never
/// replaced silently), a missing file and a folder each named as such, and a size limit so that a
/// wrong path cannot make SimByz read gigabytes into memory.
/// </summary>
/// <remarks>A UTF-8 byte order mark is dropped. Line ends are <c>\n</c> or <c>\r\n</c>. Every error is a
/// <see cref="SimByzException"/> naming the file. Stateless and thread-safe.</remarks>
public static class StrictText
{
    /// <summary>The largest text file read whole (64 MiB): far above any scenario, grid or timing file.</summary>
    public const long DefaultMaxBytes = 64L << 20;

    /// <summary>Reads <paramref name="path"/> as UTF-8 text; <paramref name="what"/> names it in errors ("scenario file").</summary>
    /// <exception cref="SimByzException">Missing, a folder, unreadable, larger than <paramref name="maxBytes"/>, or not UTF-8.</exception>
    public static string ReadFile(string path, string what, long maxBytes = DefaultMaxBytes)
    {
        byte[] bytes = ReadBytes(path, what, maxBytes);
        return Decode(bytes, $"{what} '{path}'");
    }

    /// <summary><paramref name="path"/> as given, or a <see cref="SimByzException"/> "<paramref name="what"/>: the path is
    /// empty" when it is empty or blank (where .NET's file APIs would throw an ArgumentException).</summary>
    public static string RequirePath(string? path, string what)
        => string.IsNullOrWhiteSpace(path) ? throw new SimByzException($"{what}: the path is empty") : path;

    /// <summary>The bytes of <paramref name="path"/>, with the checks of <see cref="ReadFile"/> but the decoding.</summary>
    public static byte[] ReadBytes(string path, string what, long maxBytes = DefaultMaxBytes)
    {
        RequirePath(path, what);
        if (Directory.Exists(path)) throw new SimByzException($"{what} '{path}' is a folder, not a file");
        if (!File.Exists(path)) throw new SimByzException($"{what} '{path}' does not exist");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.CanSeek && stream.Length > maxBytes)
            {
                throw new SimByzException($"{what} '{path}' is {stream.Length.ToString(CultureInfo.InvariantCulture)} bytes, more than the {maxBytes.ToString(CultureInfo.InvariantCulture)} a {what} may have");
            }
            using var memory = new MemoryStream();
            var buffer = new byte[1 << 16];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                if (memory.Length + read > maxBytes)
                {
                    throw new SimByzException($"{what} '{path}' is larger than the {maxBytes.ToString(CultureInfo.InvariantCulture)} bytes a {what} may have");
                }
                memory.Write(buffer, 0, read);
            }
            return memory.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new SimByzException($"{what} '{path}' cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Decodes UTF-8 <paramref name="bytes"/>; <paramref name="where"/> prefixes errors.</summary>
    /// <exception cref="SimByzException">An invalid byte sequence, with its line and column.</exception>
    public static string Decode(ReadOnlySpan<byte> bytes, string where)
    {
        if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        if (!Utf8.IsValid(bytes))
        {
            throw new SimByzException($"{where}: {InvalidUtf8(bytes)}");
        }
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Splits text into lines at <c>\n</c>, dropping a <c>\r</c> before it; a final line end adds no empty line.</summary>
    public static string[] Lines(string text)
    {
        if (text.Length == 0) return [];
        string[] lines = text.Split('\n');
        if (lines[^1].Length == 0) lines = lines[..^1];
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].EndsWith('\r')) lines[i] = lines[i][..^1];
        }
        return lines;
    }

    /// <summary>
    /// Rejects text that cannot have come from valid UTF-8: an unpaired surrogate (a JSON <c>\ud800</c>
    /// escape, say) or U+FFFD, the replacement character the runtime puts where a command-line argument
    /// held invalid bytes. Returns <paramref name="text"/>.
    /// </summary>
    public static string CheckScalarValues(string text, string where)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\uFFFD') throw new SimByzException($"{where}: holds U+FFFD, the replacement character: the text was not valid UTF-8 or Unicode (bytes that are not UTF-8, or an unpaired \\uD800-\\uDFFF escape)");
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c)) throw new SimByzException($"{where}: holds an unpaired surrogate (\\u{((int)c).ToString("x4", CultureInfo.InvariantCulture)}), which is not Unicode text");
        }
        return text;
    }

    private static string InvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int line = 1, column = 1, i = 0;
        while (i < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[i..], out var rune, out int consumed);
            if (status != OperationStatus.Done)
            {
                return $"not UTF-8 text: invalid byte 0x{bytes[i].ToString("X2", CultureInfo.InvariantCulture)} at line {line}, column {column} (byte {i.ToString(CultureInfo.InvariantCulture)})";
            }
            if (rune.Value == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
            i += consumed;
        }
        return "not UTF-8 text";
    }
}
