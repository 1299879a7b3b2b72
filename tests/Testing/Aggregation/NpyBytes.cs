using System.Buffers.Binary;
using System.Text;

namespace SimByz.Testing.Aggregation;

/// <summary>Builds .npy file contents by hand (any header, version and payload), valid or deliberately broken, for reader and CLI tests.</summary>
public static class NpyBytes
{
    /// <summary>A .npy file: magic, version <paramref name="major"/>.0, the header dict text (padded to 64 bytes), then <paramref name="payload"/>.</summary>
    public static byte[] Build(string headerDict, byte[] payload, int major = 1)
    {
        int lengthSize = major == 1 ? 2 : 4;
        int unpadded = 6 + 2 + lengthSize + headerDict.Length + 1;
        string header = headerDict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.Add((byte)major);
        bytes.Add(0);
        var length = new byte[lengthSize];
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        bytes.AddRange(length);
        bytes.AddRange(Encoding.UTF8.GetBytes(header));
        bytes.AddRange(payload);
        return bytes.ToArray();
    }

    /// <summary>The standard header dict for <paramref name="descr"/>, order and shape text, e.g. <c>(3, 2)</c>.</summary>
    public static string Header(string descr, string shape, bool fortranOrder = false)
        => $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {shape}, }}";

    /// <summary>A C-order (n, d) matrix of <paramref name="rows"/> as float64 ('&lt;f8' or '&gt;f8').</summary>
    public static byte[] Float64Matrix(double[][] rows, bool bigEndian = false, int major = 1)
    {
        var payload = new List<byte>();
        foreach (var row in rows)
        {
            foreach (double v in row)
            {
                var b = new byte[8];
                if (bigEndian) BinaryPrimitives.WriteDoubleBigEndian(b, v);
                else BinaryPrimitives.WriteDoubleLittleEndian(b, v);
                payload.AddRange(b);
            }
        }
        return Build(Header(bigEndian ? ">f8" : "<f8", $"({rows.Length}, {rows[0].Length})"), payload.ToArray(), major);
    }

    /// <summary>A C-order (n, d) matrix of <paramref name="rows"/> as float32 ('&lt;f4' or '&gt;f4').</summary>
    public static byte[] Float32Matrix(float[][] rows, bool bigEndian = false, int major = 1)
    {
        var payload = new List<byte>();
        foreach (var row in rows)
        {
            foreach (float v in row)
            {
                var b = new byte[4];
                if (bigEndian) BinaryPrimitives.WriteSingleBigEndian(b, v);
                else BinaryPrimitives.WriteSingleLittleEndian(b, v);
                payload.AddRange(b);
            }
        }
        return Build(Header(bigEndian ? ">f4" : "<f4", $"({rows.Length}, {rows[0].Length})"), payload.ToArray(), major);
    }
}
