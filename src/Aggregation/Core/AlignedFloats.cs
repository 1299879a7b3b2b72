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

    /// <summary>A zeroed buffer of <paramref name="length"/> floats from the process-wide pool (<see cref="AlignedFloatsPool.Shared"/>).</summary>
    public static AlignedFloats Rent(int length) => AlignedFloatsPool.Shared.Rent(length, out _);

    /// <summary>Gives <paramref name="buffer"/> back to the process-wide pool (<see cref="AlignedFloatsPool.Shared"/>).</summary>
    public static void Return(AlignedFloats buffer) => AlignedFloatsPool.Shared.Return(buffer);

    public Span<float> Span => Array is null ? [] : Array.AsSpan(Offset, Length);

    public Memory<float> Memory => Array is null ? Memory<float>.Empty : Array.AsMemory(Offset, Length);
}

/// <summary>
/// A bounded pool of <see cref="AlignedFloats"/> buffers, so that a run's large buffers serve the next run in the process
/// instead of new memory. Thread-safe (a sweep's runs rent and return side by side).
/// </summary>
/// <remarks>
/// <para>Why: on this project's machine kind (a Firecracker guest with free-page reporting) the first write to a page
/// the process got from the kernel costs about 16 µs per 4 KB page, so the 6.4 MB payload slab of ByzFL's reference
/// configuration cost a run's first step about 13 ms of page faults, and a new run got new pages every time: the
/// collector had not yet reclaimed the last run's (docs/PERFORMANCE.md, "The simulated step", session 22). Speed only:
/// a rented buffer is zeroed, as a new one is, so no result can depend on which buffer a run got or on what an earlier
/// run left in it.</para>
/// <para>Bounds: buffers shorter than <see cref="MinLength"/> floats are left to the collector (its young generation
/// reuses such memory anyway); the pool holds at most <see cref="MaxBytes"/> and drops the longest-held buffers first,
/// so a process that ran large runs keeps no more than that afterwards. A buffer is rented by exact length, the most
/// recently returned first (the likeliest to be still in the cache).</para>
/// </remarks>
internal sealed class AlignedFloatsPool(long maxBytes, int minLength)
{
    /// <summary>The process-wide pool: buffers of at least 2¹⁶ floats (256 KB), at most 256 MB held.</summary>
    public static readonly AlignedFloatsPool Shared = new(256L << 20, 1 << 16);

    private readonly LinkedList<AlignedFloats> _held = new();
    private long _heldBytes;

    /// <summary>The most this pool holds, in bytes.</summary>
    public long MaxBytes { get; } = maxBytes;

    /// <summary>Shorter buffers are not pooled.</summary>
    public int MinLength { get; } = minLength;

    /// <summary>Bytes held now.</summary>
    public long HeldBytes
    {
        get
        {
            lock (_held) return _heldBytes;
        }
    }

    /// <summary>A zeroed buffer of <paramref name="length"/> floats on a 64-byte boundary, as <see cref="AlignedFloats.Allocate"/>
    /// gives: one given back with exactly that length (then cleared) if the pool holds one, else a new one.</summary>
    /// <param name="length">Usable length.</param>
    /// <param name="reused">Whether the buffer came from the pool.</param>
    public AlignedFloats Rent(int length, out bool reused)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        reused = false;
        AlignedFloats found = default;
        if (length >= MinLength)
        {
            lock (_held)
            {
                for (var node = _held.Last; node is not null; node = node.Previous)
                {
                    if (node.Value.Length != length) continue;
                    found = node.Value;
                    _held.Remove(node);
                    _heldBytes -= Bytes(found);
                    reused = true;
                    break;
                }
            }
        }
        if (!reused) return AlignedFloats.Allocate(length);
        found.Span.Clear();
        return found;
    }

    /// <summary>Takes <paramref name="buffer"/> back for a later <see cref="Rent"/> of its length; the caller must not touch
    /// it afterwards. An empty buffer, one shorter than <see cref="MinLength"/> or longer than <see cref="MaxBytes"/> is
    /// left to the collector.</summary>
    /// <exception cref="InvalidOperationException">The pool holds that buffer already (given back twice).</exception>
    public void Return(AlignedFloats buffer)
    {
        if (buffer.Array is null || buffer.Length < MinLength || Bytes(buffer) > MaxBytes) return;
        lock (_held)
        {
            for (var node = _held.First; node is not null; node = node.Next)
            {
                if (ReferenceEquals(node.Value.Array, buffer.Array)) throw new InvalidOperationException("a buffer was given back twice");
            }
            _held.AddLast(buffer);
            _heldBytes += Bytes(buffer);
            while (_heldBytes > MaxBytes)
            {
                _heldBytes -= Bytes(_held.First!.Value);
                _held.RemoveFirst();
            }
        }
    }

    private static long Bytes(AlignedFloats buffer) => (long)buffer.Length * sizeof(float);
}
