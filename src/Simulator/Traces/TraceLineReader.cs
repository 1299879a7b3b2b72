using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace SimByz.Simulator.Traces;

/// <summary>
/// Reads a trace one line at a time: lines end at <c>\n</c> only (a <c>\r</c> is part of its line, as in
/// <see cref="TraceDocument"/>'s format), each line must be UTF-8 and at most <see cref="MaxLineBytes"/> long.
/// Memory is one read buffer and the longest line, whatever the file's size.
/// </summary>
/// <remarks>Not thread-safe; disposes the stream.</remarks>
internal sealed class TraceLineReader : IDisposable
{
    /// <summary>The longest line read (64 MiB): far above any record (a header holds the scenario; an aggregate
    /// record a few numbers per worker), and a bound on what one line can take in memory.</summary>
    public const int MaxLineBytes = 64 << 20;

    private readonly Stream _stream;
    private readonly string _where;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _pos, _len;
    private byte[] _line = new byte[1024];
    private int _lineLength;

    public TraceLineReader(Stream stream, string where, long firstOffset = 0, int firstLine = 0)
    {
        _stream = stream;
        _where = where;
        if (firstOffset > 0) _stream.Seek(firstOffset, SeekOrigin.Begin);
        Offset = firstOffset;
        LineIndex = firstLine;
    }

    /// <summary>The byte offset of the next line.</summary>
    public long Offset { get; private set; }

    /// <summary>The 0-based index of the next line.</summary>
    public int LineIndex { get; private set; }

    /// <summary>The bytes of the line last read (without its line end), valid until the next read.</summary>
    public ReadOnlySpan<byte> LineBytes => _line.AsSpan(0, _lineLength);

    /// <summary>Reads the next line; null at the end of the file. <paramref name="terminated"/>: whether a
    /// <c>\n</c> ended it (only the last line of a file can lack one).</summary>
    /// <exception cref="SimByzException">A line that is not UTF-8 or is too long, or more lines than an index can count.</exception>
    public string? ReadLine(out bool terminated)
    {
        _lineLength = 0;
        terminated = false;
        bool any = false;
        while (true)
        {
            if (_pos == _len)
            {
                _len = _stream.Read(_buffer, 0, _buffer.Length);
                _pos = 0;
                if (_len == 0) break;
            }
            any = true;
            int nl = Array.IndexOf(_buffer, (byte)'\n', _pos, _len - _pos);
            int end = nl >= 0 ? nl : _len;
            Append(_buffer.AsSpan(_pos, end - _pos));
            Offset += end - _pos;
            _pos = end;
            if (nl >= 0)
            {
                _pos++;
                Offset++;
                terminated = true;
                break;
            }
        }
        if (!any) return null;
        if (LineIndex == int.MaxValue) throw new SimByzException($"{_where}: more than {int.MaxValue.ToString(CultureInfo.InvariantCulture)} lines, more than a trace may have");
        int lineNo = ++LineIndex;
        var bytes = LineBytes;
        if (!Utf8.IsValid(bytes)) throw new SimByzException($"{_where} line {lineNo}: not UTF-8 text: {InvalidAt(bytes)} (is it a trace.jsonl file?)");
        return Encoding.UTF8.GetString(bytes);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return;
        if ((long)_lineLength + bytes.Length > MaxLineBytes)
        {
            throw new SimByzException($"{_where} line {(LineIndex + 1).ToString(CultureInfo.InvariantCulture)}: longer than {MaxLineBytes.ToString(CultureInfo.InvariantCulture)} bytes, longer than any trace record (is it a trace.jsonl file?)");
        }
        if (_line.Length < _lineLength + bytes.Length) Array.Resize(ref _line, (int)Math.Min(MaxLineBytes, Math.Max(_lineLength + bytes.Length, 2L * _line.Length)));
        bytes.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += bytes.Length;
    }

    private static string InvalidAt(ReadOnlySpan<byte> bytes)
    {
        int i = 0, column = 1;
        while (i < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != OperationStatus.Done)
            {
                return $"invalid byte 0x{bytes[i].ToString("X2", CultureInfo.InvariantCulture)} at column {column.ToString(CultureInfo.InvariantCulture)}";
            }
            i += consumed;
            column++;
        }
        return "invalid bytes";
    }

    public void Dispose() => _stream.Dispose();
}
