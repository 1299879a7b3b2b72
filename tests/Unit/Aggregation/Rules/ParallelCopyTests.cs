using SimByz.Aggregation.Rules;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// <see cref="ParallelCopy"/> is <see cref="Span{T}.CopyTo"/> whatever the length, the thread count and the overlap:
/// runs below, at and above the parallel threshold, with a last chunk cut short, and overlapping runs.
/// </summary>
// Changes ChunkRunner.MaxThreads: not beside the tests that measure or pin it.
[Collection(nameof(SimByz.Tests.Unit.Aggregation.ParallelAllocationTests))]
public sealed class ParallelCopyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ParallelCopy.ParallelFrom - 1)]
    [InlineData(ParallelCopy.ParallelFrom)]
    [InlineData(ParallelCopy.ParallelFrom + ParallelCopy.ChunkLength / 2 + 3)]
    [InlineData(1_000_003)]
    public void Copy_IsTheSpanCopy_ForEveryThreadCount_AndLeavesTheRestOfTheDestination(int length)
    {
        var source = new float[length + 5];
        for (int k = 0; k < source.Length; k++) source[k] = k * 0.5f - 7;
        var copy = new ParallelCopy();
        foreach (int threads in new[] { 1, 2, 3 })
        {
            ChunkThreads.With(threads, () =>
            {
                // From an offset of 5 (a row that does not start the batch) into a longer destination, twice with one instance.
                for (int repeat = 0; repeat < 2; repeat++)
                {
                    var destination = new float[length + 9];
                    Array.Fill(destination, float.NaN);
                    copy.Copy(source.AsSpan(5, length), destination);
                    Assert.True(source.AsSpan(5, length).SequenceEqual(destination.AsSpan(0, length)), $"{threads} threads");
                    Assert.All(destination[length..], x => Assert.True(float.IsNaN(x)));
                }
            });
        }
    }

    [Theory]
    [InlineData(-ParallelCopy.ChunkLength - 1)]
    [InlineData(7)]
    [InlineData(ParallelCopy.ChunkLength + 1)]
    public void Copy_OverlappingRuns_MovesAsSpanCopyToDoes(int shift)
    {
        const int length = ParallelCopy.ParallelFrom + 1000;
        int margin = Math.Abs(shift);
        var data = new float[length + margin];
        for (int k = 0; k < data.Length; k++) data[k] = k;
        var expected = (float[])data.Clone();
        int from = shift < 0 ? margin : 0, to = from + shift;
        expected.AsSpan(from, length).CopyTo(expected.AsSpan(to, length));
        new ParallelCopy().Copy(data.AsSpan(from, length), data.AsSpan(to, length));
        Assert.Equal(expected, data);
    }

    [Fact]
    public void Copy_ShorterDestination_Throws()
        => Assert.Throws<ArgumentException>(() => new ParallelCopy().Copy(new float[ParallelCopy.ParallelFrom], new float[ParallelCopy.ParallelFrom - 1]));
}
