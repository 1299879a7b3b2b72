using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace SimByz.Simulator.Traces;

/// <summary>Content hashes used by traces (docs/TRACE_FORMAT.md, Hashes).</summary>
/// <remarks>A vector hash is SHA-256 of the float32 little-endian bytes, written as the first 16
/// lowercase hex digits (64 bits). Config and whole-trace hashes are full SHA-256 (64 hex digits).</remarks>
public static class TraceHash
{
    /// <summary>The 16-hex-digit content hash of a float32 vector.</summary>
    public static string Of(ReadOnlySpan<float> values)
    {
        Span<byte> digest = stackalloc byte[32];
        if (BitConverter.IsLittleEndian)
        {
            SHA256.HashData(MemoryMarshal.AsBytes(values), digest);
        }
        else
        {
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            SHA256.HashData(bytes, digest);
        }
        return Convert.ToHexStringLower(digest[..8]);
    }

    /// <summary>The full SHA-256 of a UTF-8 string, 64 lowercase hex digits.</summary>
    public static string OfText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
