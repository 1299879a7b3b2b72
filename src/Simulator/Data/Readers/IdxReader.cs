using System.Buffers.Binary;
using System.IO.Compression;

namespace SimByz.Simulator.Data.Readers;

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (LeCun et al.; http://yann.lecun.com/exdb/mnist/),
/// raw or gzip-compressed (single-member gzip, detected by the magic 1F 8B whatever the file name;
/// its trailer length is checked so a truncated download is reported).
/// </summary>
/// <remarks>
/// <para>Layout: two zero bytes, a type byte (0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32,
/// 0x0D float32, 0x0E float64), a dimension count k ≥ 1, k big-endian int32 dimensions, then the
/// values big-endian in row-major order. The file must hold exactly that many bytes.</para>
/// <para>Every problem (missing file, bad gzip, bad magic, unknown type, negative or overflowing
/// dimensions, truncated data, trailing bytes, label out of range) throws a
/// <see cref="SimByzException"/> naming the file and the problem. Thread-safe (no state).</para>
/// </remarks>
public static class IdxReader
{
    /// <summary>Reads the IDX file at <paramref name="path"/>.</summary>
    public static IdxArray Read(string path)
    {
        byte[] bytes = ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses IDX content (raw or gzip) already in memory; <paramref name="name"/> names it in errors.</summary>
    public static IdxArray Parse(byte[] content, string name)
    {
        byte[] bytes = content.Length >= 2 && content[0] == 0x1F && content[1] == 0x8B ? Gunzip(content, name) : content;
        if (Header(bytes, out var type, out int size, out var dims, out long total, out int header) is { } problem) throw Bad(name, problem);
        long expected = header + total * size;
        if (bytes.Length < expected)
        {
            throw Bad(name, $"truncated: dimensions {string.Join("×", dims)} of {type} need {total * size} data bytes, the file has {bytes.Length - header}");
        }
        if (bytes.Length > expected)
        {
            throw Bad(name, $"{bytes.Length - expected} trailing bytes after the {total} values of dimensions {string.Join("×", dims)}");
        }
        var values = new float[total];
        var data = bytes.AsSpan(header);
        switch (type)
        {
            case IdxDataType.UnsignedByte:
                for (int i = 0; i < values.Length; i++) values[i] = data[i];
                break;
            case IdxDataType.SignedByte:
                for (int i = 0; i < values.Length; i++) values[i] = (sbyte)data[i];
                break;
            case IdxDataType.Int16:
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt16BigEndian(data[(2 * i)..]);
                break;
            case IdxDataType.Int32:
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt32BigEndian(data[(4 * i)..]);
                break;
            case IdxDataType.Float32:
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleBigEndian(data[(4 * i)..]);
                break;
            default:
                for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadDoubleBigEndian(data[(8 * i)..]);
                break;
        }
        return new IdxArray(type, dims, values);
    }

    /// <summary>Reads and checks the IDX header at the start of <paramref name="bytes"/> (the whole file, or at least the
    /// header): its type, value size, dimensions, value count and length in bytes; the problem, or null when it is good.</summary>
    private static string? Header(ReadOnlySpan<byte> bytes, out IdxDataType type, out int size, out int[] dims, out long total, out int header)
    {
        type = default;
        size = 0;
        dims = [];
        total = 0;
        header = 0;
        if (bytes.Length < 4) return $"file too short for an IDX header ({bytes.Length} bytes, need at least 4)";
        if (bytes[0] != 0 || bytes[1] != 0)
        {
            return $"bad magic number {bytes[0]:X2} {bytes[1]:X2} {bytes[2]:X2} {bytes[3]:X2}: an IDX file starts with 00 00, a type byte and a dimension count";
        }
        type = (IdxDataType)bytes[2];
        size = type switch
        {
            IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
            IdxDataType.Int16 => 2,
            IdxDataType.Int32 or IdxDataType.Float32 => 4,
            IdxDataType.Float64 => 8,
            _ => 0,
        };
        if (size == 0) return $"unknown data type byte 0x{bytes[2]:X2} (allowed: 08 ubyte, 09 sbyte, 0B int16, 0C int32, 0D float32, 0E float64)";
        int rank = bytes[3];
        if (rank == 0) return "dimension count is 0 (expected at least 1)";
        header = 4 + 4 * rank;
        if (bytes.Length < header) return $"file too short for {rank} dimensions ({bytes.Length} bytes, header needs {header})";
        dims = new int[rank];
        total = 1;
        for (int i = 0; i < rank; i++)
        {
            int d = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (d < 0) return $"dimension {i} is negative ({d})";
            dims[i] = d;
            total *= d;
            if (total > int.MaxValue / 2) return $"dimensions {string.Join("×", dims[..(i + 1)])} hold too many values";
        }
        return null;
    }

    /// <summary>
    /// <see cref="LoadDataset"/>, or, within a sweep, the dataset an earlier load of the same two unchanged files gave
    /// (<see cref="FileDataCache"/>), which its users treat as read-only.
    /// </summary>
    internal static Dataset LoadDatasetShared(string imagesPath, string labelsPath, int classCount = 0)
        => FileDataCache.Load([imagesPath, labelsPath], $"idx classes={classCount}", () => LoadDataset(imagesPath, labelsPath, classCount));

    /// <summary>
    /// Loads an image file and a label file into a classification dataset: images must be unsigned
    /// bytes with at least 2 dimensions (n × …, each image flattened row-major) and are scaled to
    /// [0, 1] by 1/255; labels must be a 1-dimensional unsigned-byte array of the same n, each below
    /// <paramref name="classCount"/> (0: the largest label + 1, at least 2). Reads the files every time.
    /// </summary>
    public static Dataset LoadDataset(string imagesPath, string labelsPath, int classCount = 0)
    {
        // The usual case reads the pixels into one byte array the dataset keeps (its floats made only if asked for);
        // anything that path does not accept is read again by the full reader, whose errors are the contract.
        var pixels = TryReadImageBytes(imagesPath);
        var images = pixels is null ? ScaleImages(Read(imagesPath), imagesPath) : null;
        var labels = Read(labelsPath);
        if (labels.Type != IdxDataType.UnsignedByte) throw Bad(labelsPath, $"labels must be unsigned bytes (type 08), found {labels.Type}");
        if (labels.Dimensions.Count != 1) throw Bad(labelsPath, $"labels must have 1 dimension, found {labels.Dimensions.Count}");
        int n = images?.Count ?? pixels!.Value.Dimensions[0];
        int f = images?.ItemSize ?? (int)(pixels!.Value.Values.LongLength / Math.Max(1, n));
        if (labels.Count != n)
        {
            throw new SimByzException($"IDX files {imagesPath} and {labelsPath}: {n} images but {labels.Count} labels");
        }
        if (n == 0) throw Bad(imagesPath, "no images");
        if (f == 0) throw Bad(imagesPath, "images have no pixels");
        var y = new int[n];
        int max = 0;
        for (int i = 0; i < n; i++)
        {
            y[i] = (int)labels.Values[i];
            if (y[i] > max) max = y[i];
        }
        int classes = classCount > 0 ? classCount : Math.Max(2, max + 1);
        if (max >= classes) throw Bad(labelsPath, $"label {max} is out of range: expected 0..{classes - 1}");
        return images is null ? Dataset.FromBytes(pixels!.Value.Values, 255f, n, f, y, classes) : new Dataset(images.Values, n, f, y, classes);
    }

    private static IdxArray ScaleImages(IdxArray images, string imagesPath)
    {
        if (images.Type != IdxDataType.UnsignedByte) throw Bad(imagesPath, $"images must be unsigned bytes (type 08), found {images.Type}");
        if (images.Dimensions.Count < 2) throw Bad(imagesPath, $"images need at least 2 dimensions (count × pixels), found {images.Dimensions.Count}");
        float[] x = images.Values;
        for (int i = 0; i < x.Length; i++) x[i] /= 255f;
        return images;
    }

    /// <summary>
    /// Reads a well-formed unsigned-byte image file (raw or single-member gzip, at least 2 dimensions) straight into
    /// one array of its pixel bytes; null when the file is anything else (including every malformed case), so the
    /// caller's full read reports it.
    /// </summary>
    /// <remarks>The full read holds the file, its decompressed bytes and the float values at once; on this project's
    /// VM each fresh megabyte costs about 4 ms to touch, so for Fashion-MNIST keeping only the 47 MB of pixels
    /// (the dataset divides each by 255 when it is read, the same bits as dividing the floats here) saves ≈ 1 s.</remarks>
    private static (int[] Dimensions, byte[] Values)? TryReadImageBytes(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            long fileLength = file.Length;
            Span<byte> magic = stackalloc byte[4];
            if (file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4) return null;
            bool gzip = magic[0] == 0x1F && magic[1] == 0x8B;
            uint trailerSize = 0;
            if (gzip)
            {
                if (fileLength < 18) return null;
                file.Position = fileLength - 4;
                if (file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4) return null;
                trailerSize = BinaryPrimitives.ReadUInt32LittleEndian(magic);
            }
            file.Position = 0;
            using Stream input = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            Span<byte> head = stackalloc byte[4 + 4 * 255];
            if (input.ReadAtLeast(head[..4], 4, throwOnEndOfStream: false) < 4) return null;
            int length = 4 + 4 * head[3];
            if (input.ReadAtLeast(head[4..length], length - 4, throwOnEndOfStream: false) < length - 4) return null;
            if (Header(head[..length], out var type, out _, out var dims, out long total, out int header) is not null) return null;
            if (type != IdxDataType.UnsignedByte || dims.Length < 2 || dims[0] == 0 || total == 0) return null;
            if (!gzip && fileLength != header + total) return null;
            if (gzip && (trailerSize != (uint)(header + total) || header + total > fileLength * 1032)) return null; // deflate expands ≤ ~1032:1
            var values = GC.AllocateUninitializedArray<byte>((int)total);
            if (input.ReadAtLeast(values, values.Length, throwOnEndOfStream: false) < values.Length) return null;
            if (input.Read(head[..1]) != 0) return null;
            return (dims, values);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or InvalidDataException)
        {
            return null;
        }
    }

    internal static byte[] ReadAllBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SimByzException($"cannot read {path}: {e.Message}", e);
        }
    }

    private static byte[] Gunzip(byte[] content, string name)
    {
        try
        {
            // The trailer's ISIZE is the uncompressed length mod 2^32 (little-endian): it sizes the
            // buffer, and a truncated stream (which can end without an exception) is caught by it.
            uint size = content.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(content.Length - 4)) : uint.MaxValue;
            using var input = new MemoryStream(content, writable: false);
            using var gz = new GZipStream(input, CompressionMode.Decompress);
            // Deflate expands at most ~1032:1, so a lying trailer cannot make a huge allocation.
            using var output = new MemoryStream((int)Math.Min(Math.Min(size, 1u << 30), (long)content.Length * 1032));
            gz.CopyTo(output, 1 << 16);
            if (size != (uint)output.Length)
            {
                throw Bad(name, $"corrupt or truncated gzip data (decompressed {output.Length} bytes, the gzip trailer says {size})");
            }
            return output.Length == output.Capacity ? output.GetBuffer() : output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw Bad(name, $"corrupt or truncated gzip data ({e.Message})");
        }
    }

    private static SimByzException Bad(string name, string problem) => new($"IDX file {name}: {problem}");
}
