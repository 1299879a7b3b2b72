using System.Runtime.InteropServices;
using SimByz.Aggregation;
using SimByz.Simulator.Engine;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation;

/// <summary>The batch buffers start on a 64-byte boundary (speed only; AlignedFloats' remarks).</summary>
public class AlignedFloatsTests
{
    private static long Address(Memory<float> memory)
    {
        Assert.True(MemoryMarshal.TryGetArray<float>(memory, out var segment));
        return Marshal.UnsafeAddrOfPinnedArrayElement(segment.Array!, segment.Offset).ToInt64();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(100_003)]
    [InlineData(2_000_000)]
    public void Allocate_StartsOnA64ByteBoundary_ZeroedAndOfTheLengthAsked(int length)
    {
        for (int k = 0; k < 5; k++)
        {
            var buffer = AlignedFloats.Allocate(length);
            Assert.Equal(0, Address(buffer.Memory) % 64);
            Assert.Equal(length, buffer.Span.Length);
            Assert.Equal(length, buffer.Memory.Length);
            Assert.True(buffer.Span.IndexOfAnyExcept(0f) < 0);
            GC.Collect(); // pinned: a collection never moves it
            Assert.Equal(0, Address(buffer.Memory) % 64);
        }
    }

    [Fact]
    public void PayloadSlab_RowsOfWidthAMultipleOf16_AllStartOnA64ByteBoundary()
    {
        var slab = new PayloadSlab(48);
        slab.EnsureRows(7);
        for (int row = 0; row < 7; row++) Assert.Equal(0, Address(slab.Row(row)) % 64);
    }

    /// <summary>A buffer given back comes out again for the same length, cleared: a caller cannot tell it from a new one.</summary>
    [Fact]
    public void Rent_ALengthThePoolHolds_TheSameBufferZeroedAndAligned()
    {
        var pool = new AlignedFloatsPool(1 << 20, 100);
        var first = pool.Rent(1000, out bool reused);
        Assert.False(reused);
        first.Span.Fill(float.NaN);
        pool.Return(first);
        Assert.Equal(4000, pool.HeldBytes);

        var again = pool.Rent(1000, out reused);
        Assert.True(reused);
        Assert.Same(first.Array, again.Array);
        Assert.Equal(1000, again.Span.Length);
        Assert.True(again.Span.IndexOfAnyExcept(0f) < 0);
        Assert.Equal(0, Address(again.Memory) % 64);
        Assert.Equal(0, pool.HeldBytes);
    }

    /// <summary>Only the exact length is reused; short buffers are left to the collector.</summary>
    [Fact]
    public void Rent_OtherLengthOrShortBuffer_NotReused()
    {
        var pool = new AlignedFloatsPool(1 << 20, 100);
        pool.Return(pool.Rent(1000, out _));
        pool.Return(pool.Rent(99, out _));
        Assert.Equal(4000, pool.HeldBytes);
        pool.Rent(1001, out bool reused);
        Assert.False(reused);
        pool.Rent(99, out reused);
        Assert.False(reused);
        pool.Rent(1000, out reused);
        Assert.True(reused);
    }

    /// <summary>The pool holds at most its bound, dropping the longest-held buffers first; the most recent comes out first.</summary>
    [Fact]
    public void Return_PastTheBound_DropsTheLongestHeldFirst()
    {
        var pool = new AlignedFloatsPool(3 * 4000, 100);
        var buffers = Enumerable.Range(0, 4).Select(_ => AlignedFloats.Allocate(1000)).ToArray();
        foreach (var b in buffers) pool.Return(b);
        Assert.Equal(3 * 4000, pool.HeldBytes);
        Assert.Same(buffers[3].Array, pool.Rent(1000, out _).Array);
        Assert.Same(buffers[2].Array, pool.Rent(1000, out _).Array);
        Assert.Same(buffers[1].Array, pool.Rent(1000, out _).Array);
        Assert.NotSame(buffers[0].Array, pool.Rent(1000, out bool reused).Array);
        Assert.False(reused);

        pool.Return(AlignedFloats.Allocate(3001)); // more than the bound on its own
        Assert.Equal(0, pool.HeldBytes);
    }

    [Fact]
    public void Return_TheSameBufferTwice_Throws()
    {
        var pool = new AlignedFloatsPool(1 << 20, 100);
        var buffer = AlignedFloats.Allocate(1000);
        pool.Return(buffer);
        Assert.Throws<InvalidOperationException>(() => pool.Return(buffer));
    }

    /// <summary>Threads renting and giving back side by side (a sweep's runs): no buffer is ever held by two at once —
    /// each holder fills its buffer with its own mark, lets the others run, and must still read only its mark.</summary>
    [Fact]
    public void RentAndReturn_FromManyThreads_NoBufferHeldTwice()
    {
        var pool = new AlignedFloatsPool(64 * 4000, 100);
        var failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            for (int k = 0; k < 400; k++)
            {
                var buffer = pool.Rent(k % 2 == 0 ? 1000 : 1200, out _);
                if (buffer.Span.IndexOfAnyExcept(0f) >= 0) Interlocked.Increment(ref failures);
                buffer.Span.Fill(t + 1);
                Thread.Yield();
                if (buffer.Span.IndexOfAnyExcept((float)(t + 1)) >= 0) Interlocked.Increment(ref failures);
                pool.Return(buffer);
            }
        });
        Assert.Equal(0, failures);
        Assert.True(pool.HeldBytes <= pool.MaxBytes);
    }
}
