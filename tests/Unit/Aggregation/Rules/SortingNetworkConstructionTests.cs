using System.Runtime.Intrinsics;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Aggregation.Rules;

/// <summary>
/// The two sorting networks <see cref="SortingNetwork.Create(int, Func{int, bool}, bool)"/> prunes and chooses between
/// (Batcher's odd–even merge sort, Parberry's pairwise network): each, pruned to the needed ranks, places those ranks
/// correctly, and Create keeps the odd–even one up to the register count, above it the one whose compiled code has fewer
/// instructions touching wires.
/// </summary>
public sealed class SortingNetworkConstructionTests
{
    // Constructions by name: the enum is internal to the library, and a theory's parameters must be public.
    public static TheoryData<string, string> Kinds()
    {
        var data = new TheoryData<string, string>();
        foreach (string construction in Enum.GetNames<SortingNetwork.Construction>())
        {
            foreach (string kind in (string[])["all", "median", "extremes3"]) data.Add(construction, kind);
        }
        return data;
    }

    private static Func<int, bool> Needed(int n, string kind) => kind switch
    {
        "all" => _ => true,
        "median" => r => r == (n - 1) / 2 || r == n / 2,
        _ => r => r < 3 || r >= n - 3,
    };

    /// <summary>
    /// Every input of zeros and ones on 1 … 18 wires, eight per vector (one per lane): by the 0–1 principle a comparator
    /// network that places rank r correctly for all of them places it correctly for every input.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Build_EveryZeroOneInput_PlacesTheNeededRanks(string constructionName, string kind)
    {
        var construction = Enum.Parse<SortingNetwork.Construction>(constructionName);
        for (int n = 1; n <= 18; n++)
        {
            var needed = Needed(n, kind);
            var network = SortingNetwork.Build(n, needed, construction);
            var wires = new Vector256<float>[n];
            var lane = new float[8];
            for (long first = 0; first < 1L << n; first += 8)
            {
                for (int w = 0; w < n; w++)
                {
                    for (int l = 0; l < 8; l++) lane[l] = ((first + l) >> w & 1) == 1 ? 1f : 0f;
                    wires[w] = Vector256.Create(lane);
                }
                network.Sort(wires);
                for (int l = 0; l < 8 && first + l < 1L << n; l++)
                {
                    int zeros = n - System.Numerics.BitOperations.PopCount((ulong)(first + l));
                    for (int r = 0; r < n; r++)
                    {
                        if (needed(r)) Assert.Equal(r < zeros ? 0f : 1f, wires[r].GetElement(l));
                    }
                }
            }
        }
    }

    /// <summary>Larger n: Gaussian columns with ties, each lane's needed ranks against a sorted copy.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Build_RandomColumns_PlacesTheNeededRanks(string constructionName, string kind)
    {
        var construction = Enum.Parse<SortingNetwork.Construction>(constructionName);
        var stream = new RandomStream(30);
        foreach (int n in (int[])[19, 20, 33, 63, 92, 100, 127, 128, 129])
        {
            var needed = Needed(n, kind);
            var network = SortingNetwork.Build(n, needed, construction);
            for (int trial = 0; trial < 4; trial++)
            {
                var columns = new float[8][];
                for (int l = 0; l < 8; l++)
                {
                    columns[l] = new float[n];
                    for (int i = 0; i < n; i++) columns[l][i] = trial == 0 ? stream.NextInt(4) : (float)stream.NextNormal(0, 1);
                }
                var wires = new Vector256<float>[n];
                for (int i = 0; i < n; i++) wires[i] = Vector256.Create(columns.Select(c => c[i]).ToArray());
                network.Sort(wires);
                for (int l = 0; l < 8; l++)
                {
                    var sorted = columns[l].Order().ToArray();
                    for (int r = 0; r < n; r++)
                    {
                        if (needed(r)) Assert.Equal(sorted[r], wires[r].GetElement(l));
                    }
                }
            }
        }
    }

    [Fact]
    public void Create_KeepsOddEvenUpToTheRegisterCount_AboveItTheShorterCompiledCode_TheFiguresTheDocsQuote()
    {
        // 300: above the largest compiled network, where the interpreted loop runs and the comparators are the cost.
        foreach (int n in (int[])[2, 7, 12, 20, 33, 92, 100, 128, 300])
        {
            foreach (string kind in (string[])["all", "median", "extremes3"])
            {
                var needed = Needed(n, kind);
                var oddEven = SortingNetwork.Build(n, needed, SortingNetwork.Construction.OddEvenMerge);
                var pairwise = SortingNetwork.Build(n, needed, SortingNetwork.Construction.Pairwise);
                var chosen = SortingNetwork.Create(n, needed, compile: false);
                bool oddEvenOnly = n <= CompiledNetwork.Registers && chosen.IsCompiledHere;
                var expected = !oddEvenOnly && pairwise.Cost() < oddEven.Cost() ? pairwise : oddEven;
                Assert.Equal(expected.ComparatorCount, chosen.ComparatorCount);
                Assert.Equal(expected.Cost(), chosen.Cost());
                if (n > SortingNetwork.MaxCompiledSize || !chosen.IsCompiledHere)
                {
                    Assert.Equal(chosen.ComparatorCount, chosen.Cost());
                    Assert.Equal(Math.Min(oddEven.ComparatorCount, pairwise.ComparatorCount), chosen.ComparatorCount);
                }
                else
                {
                    // Two instructions per comparator and the loads and stores of wires. Every wire is compared here (each of the n
                    // values can reach a rank read), so each is loaded and stored at least once; with every wire in the vector
                    // locals (n ≤ Registers, one segment) exactly once; with more wires than locals these networks spill (some wire
                    // is stored and loaded again before its last comparator).
                    if (n <= CompiledNetwork.Registers) Assert.Equal(2 * chosen.ComparatorCount + 2 * n, chosen.Cost());
                    else Assert.True(chosen.Cost() > 2 * chosen.ComparatorCount + 2 * n);
                }
            }
        }
        // Quoted in SortingNetwork.Create and docs/PERFORMANCE.md ("What the kernels do"): the median at n = 100 and n = 20, full sorts of 92 and 100 wires.
        static int Count(int n, Func<int, bool> needed, SortingNetwork.Construction c) => SortingNetwork.Build(n, needed, c).ComparatorCount;
        const SortingNetwork.Construction oddEvenMerge = SortingNetwork.Construction.OddEvenMerge, pairwiseNetwork = SortingNetwork.Construction.Pairwise;
        Func<int, bool> median100 = r => r is 49 or 50, median20 = r => r is 9 or 10, all = _ => true;
        Assert.Equal((898, 776), (Count(100, median100, oddEvenMerge), Count(100, median100, pairwiseNetwork)));
        Assert.Equal((84, 73), (Count(20, median20, oddEvenMerge), Count(20, median20, pairwiseNetwork)));
        Assert.Equal((1104, 1077), (Count(100, all, oddEvenMerge), Count(100, all, pairwiseNetwork)));
        Assert.Equal((1011, 961), (Count(92, all, oddEvenMerge), Count(92, all, pairwiseNetwork)));
        Assert.Equal((103, 97), (Count(20, all, oddEvenMerge), Count(20, all, pairwiseNetwork)));
        // A power of two, fully sorted: the two networks have the same size.
        Assert.Equal(Count(128, all, oddEvenMerge), Count(128, all, pairwiseNetwork));
        if (CompiledNetwork.Registers == 28)
        {
            // The choices the docs quote for AVX-512 machines (28 vector locals; up to 28 wires always odd–even).
            Assert.Equal(776, SortingNetwork.Create(100, median100, compile: false).ComparatorCount);
            Assert.Equal(84, SortingNetwork.Create(20, median20, compile: false).ComparatorCount);
            Assert.Equal(103, SortingNetwork.Create(20, all, compile: false).ComparatorCount);
            Assert.Equal(1011, SortingNetwork.Create(92, all, compile: false).ComparatorCount);
            Assert.Equal(1104, SortingNetwork.Create(100, all, compile: false).ComparatorCount);
        }
    }
}
