namespace SimByz.Simulator.Output;

/// <summary>
/// A file stream of an output that turns an I/O failure (a full disk, a read-only mount, a quota) into
/// a <see cref="SimByzException"/> naming the output file, wherever the writer sits: the code that
/// writes a trace or a CSV need not know about disks.
/// </summary>
internal sealed class OutputStream(FileStream inner, OutputTarget target, string name) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override void Flush() => Guard(inner.Flush);

    public override void Write(byte[] buffer, int offset, int count) => Guard(() => inner.Write(buffer, offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw target.Failure(ex, name);
        }
    }

    public override void WriteByte(byte value) => Guard(() => inner.WriteByte(value));

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => Guard(() => inner.SetLength(value));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                inner.Dispose();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The last buffered bytes are written on close: a full disk shows here.
                throw target.Failure(ex, name);
            }
        }
        base.Dispose(disposing);
    }

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw target.Failure(ex, name);
        }
    }
}
