using System.Runtime.Intrinsics;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// The comparator networks compiled to straight-line code (<see cref="CompiledNetwork"/>) leave every
/// wire — not only the placed ranks — bit for bit as the interpreted loop leaves it, at 8 and 16 lanes:
/// trimmed mean sums its unsorted middle wires in wire order, so the whole wire state is pinned.
/// </summary>
public sealed class CompiledNetworkTests
{
    public static TheoryData<int, string> Networks()
    {
        var data = new TheoryData<int, string>();
        // 100 with every rank: 1 104 comparators, three compiled segments; 150 and 256 (the largest compiled size) evict and
        // reload wires many times in every segment.
        foreach (int n in (int[])[1, 2, 3, 5, 8, 12, 16, 17, 20, 23, 31, 33, 64, 100, 150, 256])
        {
            data.Add(n, "all");
            data.Add(n, "median");
            if (n > 8) data.Add(n, "extremes4");
        }
        return data;
    }

    private static Func<int, bool> Needed(int n, string kind) => kind switch
    {
        "all" => _ => true,
        "median" => r => r == (n - 1) / 2 || r == n / 2,
        _ => r => r < 4 || r >= n - 4,
    };

    /// <summary>Columns from a small palette (ties, ±0 excluded as callers exclude them, ±∞) or Gaussian.</summary>
    private static float[][] Columns(int n, int lanes, ulong seed)
    {
        var stream = new RandomStream(seed);
        float[] palette = [-2f, -0.5f, 0f, 0.5f, 1f, 3f, float.NegativeInfinity, float.PositiveInfinity];
        var columns = new float[lanes][];
        for (int lane = 0; lane < lanes; lane++)
        {
            columns[lane] = new float[n];
            bool few = lane % 3 == 0;
            int size = 2 + stream.NextInt(palette.Length - 1);
            for (int i = 0; i < n; i++) columns[lane][i] = few ? palette[stream.NextInt(size)] : (float)stream.NextNormal(0, 1);
        }
        return columns;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Sort_Compiled_LeavesEveryWireAsTheInterpreterDoes(int n, string kind)
    {
        var compiled = SortingNetwork.Create(n, Needed(n, kind));
        var reference = SortingNetwork.Create(n, Needed(n, kind), compile: false);
        Assert.False(reference.IsCompiled);
        Assert.Equal(reference.ComparatorCount, compiled.ComparatorCount);
        Assert.Equal(Vector256.IsHardwareAccelerated, compiled.IsCompiled);
        for (int round = 0; round < 8; round++)
        {
            var columns = Columns(n, 16, (ulong)(n * 1009 + round * 17 + kind.Length));
            var expected = new Vector256<float>[2 * n];
            var narrow = new Vector256<float>[2 * n];
            var wide = new Vector512<float>[n];
            var wideReference = new Vector512<float>[n];
            for (int i = 0; i < n; i++)
            {
                var row = new float[16];
                for (int lane = 0; lane < 16; lane++) row[lane] = columns[lane][i];
                expected[i] = narrow[i] = Vector256.Create(row.AsSpan(0, 8));
                expected[n + i] = narrow[n + i] = Vector256.Create(row.AsSpan(8, 8));
                wide[i] = wideReference[i] = Vector512.Create(row);
            }
            reference.Sort(expected.AsSpan(0, n));
            reference.Sort(expected.AsSpan(n, n));
            compiled.SortTwo(narrow);
            compiled.Sort(wide);
            reference.Sort(wideReference);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Bits(expected[i]), Bits(narrow[i]));
                Assert.Equal(Bits(expected[n + i]), Bits(narrow[n + i]));
                Assert.Equal(Bits(Vector512.Create(expected[i], expected[n + i])), Bits(wide[i]));
                Assert.Equal(Bits(wide[i]), Bits(wideReference[i]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Sort_NeededRanks_HoldTheSortedValues(int n, string kind)
    {
        var network = SortingNetwork.Create(n, Needed(n, kind));
        var needed = Needed(n, kind);
        var columns = Columns(n, 16, (ulong)(n * 7 + kind.Length));
        var wide = new Vector512<float>[n];
        for (int i = 0; i < n; i++)
        {
            var row = new float[16];
            for (int lane = 0; lane < 16; lane++) row[lane] = columns[lane][i];
            wide[i] = Vector512.Create(row);
        }
        network.Sort(wide);
        for (int lane = 0; lane < 16; lane++)
        {
            var sorted = columns[lane].OrderBy(x => x).ToArray();
            var wires = new float[n];
            for (int r = 0; r < n; r++)
            {
                wires[r] = wide[r].GetElement(lane);
                if (needed(r)) Assert.Equal(sorted[r], wires[r]);
            }
            Assert.Equal(sorted, wires.OrderBy(x => x).ToArray()); // the other wires hold the other values
        }
    }

    public static TheoryData<int, int> ExtremesShapes()
    {
        var data = new TheoryData<int, int>();
        // One leaf (n < 4b) up to 32 leaves (256, 4), with and without wires left over for the last leaf, and the largest compiled size.
        foreach (var (n, b) in ((int, int)[])[(1, 0), (3, 1), (5, 2), (7, 3), (8, 2), (9, 2), (12, 3), (17, 4), (20, 4), (23, 5),
                     (24, 4), (31, 1), (33, 2), (64, 7), (100, 4), (100, 10), (100, 49), (150, 12), (256, 4)])
        {
            data.Add(n, b);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ExtremesShapes))]
    public void Extremes_FirstAndLastBWires_HoldTheSmallestAndLargestValues_CompiledAsInterpreted(int n, int b)
    {
        var compiled = SortingNetwork.Extremes(n, b);
        var reference = SortingNetwork.Extremes(n, b, compile: false);
        Assert.Equal(reference.ComparatorCount, compiled.ComparatorCount);
        for (int round = 0; round < 6; round++)
        {
            var columns = Columns(n, 16, (ulong)(n * 4099 + b * 31 + round));
            var wide = new Vector512<float>[n];
            var wideReference = new Vector512<float>[n];
            var narrow = new Vector256<float>[n];
            for (int i = 0; i < n; i++)
            {
                var row = new float[16];
                for (int lane = 0; lane < 16; lane++) row[lane] = columns[lane][i];
                wide[i] = wideReference[i] = Vector512.Create(row);
                narrow[i] = Vector256.Create(row.AsSpan(0, 8));
            }
            compiled.Sort(wide);
            compiled.Sort(narrow);
            reference.Sort(wideReference);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Bits(wideReference[i]), Bits(wide[i]));
                Assert.Equal(Bits(Vector512.GetLower(wideReference[i])), Bits(narrow[i]));
            }
            for (int lane = 0; lane < 16; lane++)
            {
                var sorted = columns[lane].OrderBy(x => x).ToArray();
                var wires = new float[n];
                for (int r = 0; r < n; r++) wires[r] = wide[r].GetElement(lane);
                Assert.Equal(sorted[..b], wires[..b].OrderBy(x => x).ToArray());
                Assert.Equal(sorted[(n - b)..], wires[(n - b)..].OrderBy(x => x).ToArray());
                Assert.Equal(sorted, wires.OrderBy(x => x).ToArray()); // the wires between hold the other values
            }
        }
    }

    [Fact]
    public void Extremes_ComparatorCounts_OneLeafIsTheOddEvenNetwork_ManyLeavesFewer()
    {
        // n < 4b: one leaf, the pruned odd–even network itself (always odd–even: the tournament's wire order is documented).
        const SortingNetwork.Construction oddEven = SortingNetwork.Construction.OddEvenMerge;
        Assert.Equal(SortingNetwork.Build(7, r => r < 3 || r >= 4, oddEven).ComparatorCount, SortingNetwork.Extremes(7, 3).ComparatorCount);
        Assert.Equal(SortingNetwork.Build(15, r => r < 4 || r >= 11, oddEven).ComparatorCount, SortingNetwork.Extremes(15, 4).ComparatorCount);
        // The figures quoted in SortingNetwork.Extremes and docs/AGGREGATORS.md.
        Assert.Equal(438, SortingNetwork.Extremes(100, 4).ComparatorCount);
        Assert.Equal(855, SortingNetwork.Build(100, r => r < 4 || r >= 96, oddEven).ComparatorCount);
        Assert.Equal(68, SortingNetwork.Extremes(20, 4).ComparatorCount);
        Assert.Equal(92, SortingNetwork.Build(20, r => r < 4 || r >= 16, oddEven).ComparatorCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => SortingNetwork.Extremes(7, 4));
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(12, 4)]
    [InlineData(20, 16)]
    [InlineData(23, 19)]
    [InlineData(100, 96)]
    [InlineData(7, 7)]
    public void ClosestToMedian_SixteenLanes_MatchesScalarBitForBit(int n, int count)
    {
        var columns = Columns(n, 16, (ulong)(n * 31 + count));
        var wide = new Vector512<float>[n];
        for (int i = 0; i < n; i++)
        {
            var row = new float[16];
            for (int lane = 0; lane < 16; lane++) row[lane] = columns[lane][i];
            wide[i] = Vector512.Create(row);
        }
        SortingNetwork.Create(n, 0, n - 1).Sort(wide);
        var vector = new ClosestToMedianReducer(count).Reduce16(wide);
        for (int lane = 0; lane < 16; lane++)
        {
            var sorted = columns[lane].OrderBy(x => x).ToArray();
            Assert.Equal(BitConverter.SingleToInt32Bits(ColumnMath.MeanClosestToMedian(sorted, count)), BitConverter.SingleToInt32Bits(vector.GetElement(lane)));
        }
    }

    private static uint[] Bits(Vector256<float> v)
    {
        var bits = new uint[8];
        for (int i = 0; i < 8; i++) bits[i] = BitConverter.SingleToUInt32Bits(v.GetElement(i));
        return bits;
    }

    private static uint[] Bits(Vector512<float> v)
    {
        var bits = new uint[16];
        for (int i = 0; i < 16; i++) bits[i] = BitConverter.SingleToUInt32Bits(v.GetElement(i));
        return bits;
    }
}

/// <summary>The shared cache of compiled networks; alone in its collection, since other tests fill the same cache.</summary>
[Collection(nameof(SimByz.Tests.Unit.Aggregation.ParallelAllocationTests))]
public class SharedNetworkTests
{
    /// <summary>A compiled network is made once per (size, needed ranks) and shared, so a rule whose row count changes
    /// from round to round does not emit and compile code every round; other ranks or sizes get their own network.</summary>
    [Fact]
    public void Create_SameSizeAndRanks_SharedNetwork_OtherRanksOwn()
    {
        var median = SortingNetwork.Create(37, 18, 18);
        Assert.Same(median, SortingNetwork.Create(37, r => r == 18));
        Assert.NotSame(median, SortingNetwork.Create(37, 17, 18));
        Assert.NotSame(median, SortingNetwork.Create(38, 18, 18));
        Assert.NotSame(median, SortingNetwork.Create(37, r => r == 18, compile: false));
    }
}
