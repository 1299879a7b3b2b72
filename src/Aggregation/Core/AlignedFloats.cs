using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimByz.Aggregation;

/// <summary>
/// A float buffer whose usable part starts on a 64-byte boundary (a cache line, one 512-bit vector): a pinned array
/// (it never moves) with up to 15 floats of slack in front. Speed only: the kernels load 512-bit vectors at fixed
/// coordinates (sub-block starts), and on a misaligned row every such load straddles two cache lines
/// (docs/PERFORMANCE.md, "The batch's alignment"). The values and every result are the same at any alignment. Rows of a batch after the first are aligned too when d
/// is a multiple of 16.
/// </summary>
internal readonly struct AlignedFloats
{
    private AlignedFloats(float[] array, int offset, int length)
    {
        Array = array;
        Offset = offset;
        Length = length;
    }

    /// <summary>The pinned array; the buffer is <see cref="Array"/>[<see cref="Offset"/> …].</summary>
    public float[] Array { get; }

    /// <summary>Where the aligned part starts (0–15).</summary>
    public int Offset { get; }

    /// <summary>Usable length.</summary>
    public int Length { get; }

    /// <summary>A zeroed buffer of <paramref name="length"/> floats starting on a 64-byte boundary.</summary>
    public static unsafe AlignedFloats Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var array = GC.AllocateArray<float>(checked(length + 15), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        int offset = (int)((64 - (address & 63)) & 63) / sizeof(float);
        return new AlignedFloats(array, offset, length);
    }

    public Span<float> Span => Array is null ? [] : Array.AsSpan(Offset, Length);

    public Memory<float> Memory => Array is null ? Memory<float>.Empty : Array.AsMemory(Offset, Length);
}
