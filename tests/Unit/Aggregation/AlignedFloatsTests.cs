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
}
