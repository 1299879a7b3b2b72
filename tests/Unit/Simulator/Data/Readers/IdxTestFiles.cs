using System.Buffers.Binary;
using System.IO.Compression;

namespace SimByz.Tests.Unit.Simulator.Data.Readers;

/// <summary>Writes small IDX and CIFAR-10 files into a fresh temporary directory, deleted on dispose.</summary>
internal sealed class TempFiles : IDisposable
{
    public TempFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "simbyz-tests-" + Path.GetRandomFileName());
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string Write(string name, byte[] content, bool gzip = false)
    {
        string path = Path.Combine(Directory, name);
        if (gzip)
        {
            using var file = File.Create(path);
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(content);
        }
        else
        {
            File.WriteAllBytes(path, content);
        }
        return path;
    }

    public static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    /// <summary>n images of rows×cols with pixel (i, j) = (i·7 + j) mod 256, and labels i mod classes.</summary>
    public (string Images, string Labels) Mnist(string prefix, int n, int rows, int cols, int classes, bool gzip)
    {
        var pixels = new byte[n * rows * cols];
        for (int i = 0; i < n; i++) for (int j = 0; j < rows * cols; j++) pixels[i * rows * cols + j] = (byte)((i * 7 + j) % 256);
        var labels = new byte[n];
        for (int i = 0; i < n; i++) labels[i] = (byte)(i % classes);
        string ext = gzip ? ".gz" : "";
        return (Write(prefix + "-images-idx3-ubyte" + ext, Idx(0x08, [n, rows, cols], pixels), gzip),
                Write(prefix + "-labels-idx1-ubyte" + ext, Idx(0x08, [n], labels), gzip));
    }

    /// <summary>A CIFAR-10 batch of n records: label i mod 10, pixel j = (i + j) mod 256.</summary>
    public static byte[] Cifar(int n, int labelOffset = 0)
    {
        var bytes = new byte[n * 3073];
        for (int i = 0; i < n; i++)
        {
            bytes[i * 3073] = (byte)((i + labelOffset) % 10);
            for (int j = 0; j < 3072; j++) bytes[i * 3073 + 1 + j] = (byte)((i + j) % 256);
        }
        return bytes;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory does not affect results.
        }
    }
}
