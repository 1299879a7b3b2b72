using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SimByz.Aggregation.IO;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0; see
/// numpy.lib.format): the interchange format of <c>simbyz aggregate</c> with the Python world.
/// </summary>
/// <remarks>
/// <para>Reading accepts exactly: dtype <c>&lt;f4</c>, <c>&lt;f8</c>, <c>&gt;f4</c>, <c>&gt;f8</c>
/// (big-endian values are byte-swapped; float64 is rounded to the nearest float32), shape (n, d),
/// <c>fortran_order: False</c>, and exactly n·d values after the header. Anything else (another
/// dtype, Fortran order, another rank, a truncated file, trailing bytes, a bad magic string or
/// header) throws a <see cref="SimByzException"/> naming the file and the problem.</para>
/// <para>Writing produces format 1.0, dtype <c>&lt;f4</c>, C order, header padded to a multiple of
/// 64 bytes, and is atomic: the bytes go to a temporary file in the destination's folder, which is
/// then renamed over the destination; on any failure the temporary file is deleted, so a reader
/// never sees a half-written file. Output bytes depend only on the values (deterministic).</para>
/// </remarks>
public static class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads an (n, d) float32/float64 matrix from <paramref name="path"/>.</summary>
    /// <exception cref="SimByzException">Missing, unreadable or malformed file, or an unsupported dtype, order or shape.</exception>
    public static NpyMatrix ReadMatrix(string path)
    {
        StrictText.RequirePath(path, ".npy input");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SimByzException($"{path}: file not found", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SimByzException($"{path}: cannot open: {ex.Message}", ex);
        }
        using (stream)
        {
            try
            {
                return ReadMatrix(stream, path);
            }
            catch (IOException ex)
            {
                throw new SimByzException($"{path}: read error: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Reads an (n, d) matrix from <paramref name="stream"/>; <paramref name="name"/> names it in errors.</summary>
    public static NpyMatrix ReadMatrix(Stream stream, string name)
    {
        var header = ReadHeader(stream, name);
        if (header.Shape.Length != 2)
        {
            throw new SimByzException($"{name}: array has rank {header.Shape.Length} (shape {ShapeText(header.Shape)}); expected a 2-D array of shape (n, d)");
        }
        long rows = header.Shape[0], cols = header.Shape[1];
        // The product is formed in 128 bits: shape values up to 2^63 would wrap a 64-bit product (a
        // (2^62 + 1, 4) header would read as 4 values).
        Int128 product = (Int128)rows * cols;
        if (product > Array.MaxLength || rows > int.MaxValue || cols > int.MaxValue)
        {
            throw new SimByzException($"{name}: shape {ShapeText(header.Shape)} has {product} values, more than the {Array.MaxLength} supported (each dimension at most {int.MaxValue})");
        }
        long count = (long)product;
        int itemSize = header.DType[2] == '4' ? 4 : 8;
        bool swap = (header.DType[0] == '>') == BitConverter.IsLittleEndian;
        long expected = count * itemSize;
        if (stream.CanSeek)
        {
            // Check the size before allocating: a corrupt header must not make us allocate gigabytes.
            long remaining = stream.Length - stream.Position;
            if (remaining < expected) throw Truncated(name, header, expected, remaining);
        }
        var data = new float[count];
        if (itemSize == 4)
        {
            Span<byte> bytes = MemoryMarshal.AsBytes(data.AsSpan());
            long got = ReadFully(stream, bytes);
            if (got < expected) throw Truncated(name, header, expected, got);
            if (swap)
            {
                Span<int> words = MemoryMarshal.Cast<float, int>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(words, words);
            }
        }
        else
        {
            var buffer = new byte[8 * 8192];
            long done = 0;
            while (done < count)
            {
                int chunk = (int)Math.Min(8192, count - done);
                Span<byte> bytes = buffer.AsSpan(0, chunk * 8);
                long got = ReadFully(stream, bytes);
                if (got < bytes.Length) throw Truncated(name, header, expected, done * 8 + got);
                Span<long> words = MemoryMarshal.Cast<byte, long>(bytes);
                if (swap) BinaryPrimitives.ReverseEndianness(words, words);
                ReadOnlySpan<double> values = MemoryMarshal.Cast<byte, double>(bytes);
                for (int i = 0; i < chunk; i++) data[done + i] = (float)values[i];
                done += chunk;
            }
        }
        if (stream.ReadByte() >= 0)
        {
            throw new SimByzException($"{name}: unexpected bytes after the {count} values of shape {ShapeText(header.Shape)} (corrupt or not a single array)");
        }
        return new NpyMatrix(data, (int)rows, (int)cols, header.DType);
    }

    /// <summary>Writes <paramref name="values"/> as a 1-D float32 array of length values.Length, atomically.</summary>
    public static void WriteVector(string path, ReadOnlySpan<float> values)
        => Write(path, values, $"({values.Length.ToString(CultureInfo.InvariantCulture)},)");

    /// <summary>Writes an n×d row-major float32 matrix, atomically.</summary>
    public static void WriteMatrix(string path, ReadOnlySpan<float> values, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != values.Length) throw new ArgumentException($"{values.Length} values do not make a {rows}×{columns} matrix", nameof(values));
        Write(path, values, string.Create(CultureInfo.InvariantCulture, $"({rows}, {columns})"));
    }

    /// <summary>The complete bytes of a 1-D float32 .npy file holding <paramref name="values"/>.</summary>
    public static byte[] EncodeVector(ReadOnlySpan<float> values)
    {
        using var memory = new MemoryStream();
        WriteTo(memory, values, $"({values.Length.ToString(CultureInfo.InvariantCulture)},)");
        return memory.ToArray();
    }

    private static void Write(string path, ReadOnlySpan<float> values, string shape)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new SimByzException($"{path}: invalid output path: {ex.Message}", ex);
        }
        string folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder)) throw new SimByzException($"{path}: cannot write: folder '{folder}' does not exist");
        string temp = Path.Combine(folder, "." + Path.GetFileName(full) + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(stream, values, shape);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new SimByzException($"{path}: cannot write: {ex.Message}", ex);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void WriteTo(Stream stream, ReadOnlySpan<float> values, string shape)
    {
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = (64 - unpadded % 64) % 64;
        string headerText = dict + new string(' ', padding) + "\n";
        if (headerText.Length > ushort.MaxValue) throw new ArgumentException("shape too long for a version 1.0 header");
        Span<byte> prefix = stackalloc byte[10];
        Magic.CopyTo(prefix);
        prefix[6] = 1;
        prefix[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)headerText.Length);
        stream.Write(prefix);
        stream.Write(Encoding.ASCII.GetBytes(headerText));
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
        }
        else
        {
            var swapped = new int[values.Length];
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(values), swapped);
            stream.Write(MemoryMarshal.AsBytes(swapped.AsSpan()));
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original error is what the user needs to see.
        }
    }

    private sealed record Header(string DType, bool FortranOrder, long[] Shape, int Major);

    private static Header ReadHeader(Stream stream, string name)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (ReadFully(stream, prefix) < 8 || !prefix[..6].SequenceEqual(Magic))
        {
            throw new SimByzException($"{name}: not a .npy file (missing the \\x93NUMPY magic string)");
        }
        int major = prefix[6], minor = prefix[7];
        if (major is not (1 or 2 or 3) || minor != 0)
        {
            throw new SimByzException($"{name}: unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)");
        }
        Span<byte> lengthBytes = stackalloc byte[4];
        int lengthSize = major == 1 ? 2 : 4;
        if (ReadFully(stream, lengthBytes[..lengthSize]) < lengthSize) throw new SimByzException($"{name}: truncated .npy header");
        long length = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (length > 1 << 20) throw new SimByzException($"{name}: .npy header length {length} is implausibly large (corrupt header)");
        var headerBytes = new byte[length];
        if (ReadFully(stream, headerBytes) < length) throw new SimByzException($"{name}: truncated .npy header (expected {length} bytes)");
        string text;
        try
        {
            text = (major == 3 ? new UTF8Encoding(false, true) : (Encoding)Encoding.Latin1).GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SimByzException($"{name}: .npy header is not valid UTF-8");
        }
        return ParseHeader(text, name, major);
    }

    private static Header ParseHeader(string text, string name, int major)
    {
        var parser = new HeaderParser(text, name);
        var dict = parser.ParseDictionary();
        string Missing(string key) => throw new SimByzException($"{name}: .npy header has no '{key}' entry: {text.Trim()}");
        object descr = dict.TryGetValue("descr", out var dv) ? dv : Missing("descr");
        object fortran = dict.TryGetValue("fortran_order", out var fv) ? fv : Missing("fortran_order");
        object shape = dict.TryGetValue("shape", out var sv) ? sv : Missing("shape");
        foreach (string key in dict.Keys.Order(StringComparer.Ordinal))
        {
            if (key is not ("descr" or "fortran_order" or "shape")) throw new SimByzException($"{name}: .npy header has an unexpected key '{key}'");
        }
        if (descr is not string dtype) throw new SimByzException($"{name}: .npy 'descr' is not a simple dtype string (structured arrays are not supported)");
        if (dtype is not ("<f4" or "<f8" or ">f4" or ">f8"))
        {
            throw new SimByzException($"{name}: unsupported dtype '{dtype}' (supported: float32 or float64, '<f4', '<f8', '>f4', '>f8')");
        }
        if (fortran is not bool isFortran) throw new SimByzException($"{name}: .npy 'fortran_order' is not True or False");
        if (isFortran) throw new SimByzException($"{name}: array is in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray)");
        if (shape is not long[] dims) throw new SimByzException($"{name}: .npy 'shape' is not a tuple of integers");
        return new Header(dtype, isFortran, dims, major);
    }

    private static string ShapeText(long[] shape)
        => shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";

    private static SimByzException Truncated(string name, Header header, long expected, long got)
        => new($"{name}: truncated: shape {ShapeText(header.Shape)} of {header.DType} needs {expected} bytes of data, the file has {got}");

    private static long ReadFully(Stream stream, Span<byte> buffer)
    {
        long total = 0;
        while (total < buffer.Length)
        {
            int chunk = (int)Math.Min(buffer.Length - total, 1 << 30);
            int read = stream.Read(buffer.Slice((int)total, chunk));
            if (read == 0) break;
            total += read;
        }
        return total;
    }

    /// <summary>Parses the Python dict literal of a .npy header: string keys; values strings, True/False, or tuples of integers.</summary>
    private sealed class HeaderParser(string text, string name)
    {
        private int _pos;

        public Dictionary<string, object> ParseDictionary()
        {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            SkipSpace();
            Expect('{');
            SkipSpace();
            while (Peek() != '}')
            {
                string key = ParseString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                object value = ParseValue();
                if (!result.TryAdd(key, value)) throw Bad($"key '{key}' given twice");
                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                    SkipSpace();
                }
                else if (Peek() != '}')
                {
                    throw Bad("expected ',' or '}'");
                }
            }
            _pos++;
            SkipSpace();
            if (_pos != text.Length) throw Bad("text after the closing '}'");
            return result;
        }

        private object ParseValue()
        {
            char c = Peek();
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (Take("True")) return true;
            if (Take("False")) return false;
            if (c == '[') throw Bad("structured dtypes (a list 'descr') are not supported");
            throw Bad("unexpected value");
        }

        private long[] ParseTuple()
        {
            Expect('(');
            var values = new List<long>();
            SkipSpace();
            while (Peek() != ')')
            {
                int start = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
                if (start == _pos) throw Bad("shape holds a non-integer");
                // Python 2 writers append 'L' to long integers.
                if (!long.TryParse(text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out long v)) throw Bad("shape value out of range");
                if (Peek() == 'L') _pos++;
                values.Add(v);
                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                    SkipSpace();
                }
                else if (Peek() != ')')
                {
                    throw Bad("expected ',' or ')' in shape");
                }
            }
            _pos++;
            return values.ToArray();
        }

        private string ParseString()
        {
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Bad("expected a quoted string");
            int end = text.IndexOf(quote, _pos + 1);
            if (end < 0) throw Bad("unterminated string");
            string s = text[(_pos + 1)..end];
            _pos = end + 1;
            return s;
        }

        private bool Take(string word)
        {
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
            _pos += word.Length;
            return true;
        }

        private char Peek() => _pos < text.Length ? text[_pos] : throw Bad("unexpected end of header");

        private void Expect(char c)
        {
            if (Peek() != c) throw Bad($"expected '{c}'");
            _pos++;
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        private SimByzException Bad(string problem)
            => new($"{name}: malformed .npy header at character {_pos}: {problem}: {text.Trim()}");
    }
}
