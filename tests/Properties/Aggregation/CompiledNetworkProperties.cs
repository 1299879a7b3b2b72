using System.Runtime.Intrinsics;
using FsCheck;
using FsCheck.Fluent;
using SimByz.Aggregation.Rules;
using Xunit;

namespace SimByz.Tests.Properties.Aggregation;

/// <summary>
/// Compiled comparator networks on arbitrary networks (not only Batcher's): the order the compiled code runs
/// them in keeps every wire's own sequence of comparators, and with the register allocation (wires loaded,
/// evicted and stored by farthest next use) every wire ends bit for bit as a plain loop over the comparators
/// in the given order leaves it, at 8 and 16 lanes.
/// </summary>
public class CompiledNetworkProperties
{
    /// <summary>A network on <see cref="Wires"/> wires (comparator c joins Pairs[2c] &lt; Pairs[2c + 1]) and 16 lanes of
    /// input per wire drawn from a palette with ties and ±∞ (no NaN and no −0, as the callers load them).</summary>
    public sealed record NetworkCase(int Wires, int[] Pairs, float[][] Values)
    {
        public override string ToString() => $"{Wires} wires, {Pairs.Length / 2} comparators: [{string.Join(" ", Enumerable.Range(0, Pairs.Length / 2).Select(c => $"{Pairs[2 * c]}-{Pairs[2 * c + 1]}"))}]";
    }

    public static class Arbitraries
    {
        private static readonly float[] Palette = [-3f, -1f, 0f, 0.5f, 1f, 2f, float.NegativeInfinity, float.PositiveInfinity, 1e-40f, -7.5e30f];

        /// <summary>2–90 wires (beyond the 28 locals a segment keeps, so wires are evicted and reloaded), 0–900 comparators
        /// (more than one segment of 700), pairs biased to nearby wires as in sorting networks.</summary>
        public static Arbitrary<NetworkCase> Networks() => Arb.From(
            from wires in Gen.Choose(2, 90)
            from count in Gen.Choose(0, 900)
            from seed in Gen.Choose(0, int.MaxValue)
            select Make(wires, count, seed),
            c => c.Pairs.Length == 0 ? [] : [c with { Pairs = c.Pairs[..(c.Pairs.Length / 2 & ~1)] }, c with { Pairs = c.Pairs[2..] }]);

        private static NetworkCase Make(int wires, int count, int seed)
        {
            var random = new Random(seed);
            var pairs = new int[2 * count];
            for (int c = 0; c < count; c++)
            {
                int a = random.Next(wires - 1);
                int span = random.Next(4) == 0 ? wires - 1 - a : Math.Min(wires - 1 - a, 1 + random.Next(8));
                pairs[2 * c] = a;
                pairs[2 * c + 1] = a + 1 + random.Next(span);
            }
            var values = new float[wires][];
            for (int w = 0; w < wires; w++)
            {
                values[w] = new float[16];
                for (int lane = 0; lane < 16; lane++)
                    values[w][lane] = lane % 2 == 0 ? Palette[random.Next(Palette.Length)] : (float)(random.NextDouble() * 4 - 2);
            }
            return new NetworkCase(wires, pairs, values);
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(Arbitraries) })]
    public void Schedule_KeepsEveryWiresSequenceOfComparators(NetworkCase network)
    {
        foreach (int registers in (int[])[3, 13, 28])
        {
            int[] order = CompiledNetwork.Schedule(network.Pairs, registers);
            Assert.Equal(network.Pairs.Length, order.Length);
            for (int w = 0; w < network.Wires; w++)
                Assert.Equal(Sequence(network.Pairs, w), Sequence(order, w));
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(Arbitraries) }, Divisor = 4)]
    public void Compiled_LeavesEveryWireAsThePlainLoop(NetworkCase network)
    {
        int n = network.Wires;
        var expected = new float[n][];
        for (int w = 0; w < n; w++) expected[w] = (float[])network.Values[w].Clone();
        for (int c = 0; c < network.Pairs.Length / 2; c++)
        {
            int a = network.Pairs[2 * c], b = network.Pairs[2 * c + 1];
            for (int lane = 0; lane < 16; lane++)
            {
                float x = expected[a][lane], y = expected[b][lane];
                expected[a][lane] = Math.Min(x, y);
                expected[b][lane] = Math.Max(x, y);
            }
        }
        var wide = new Vector512<float>[n];
        var low = new Vector256<float>[n];
        var high = new Vector256<float>[n];
        for (int w = 0; w < n; w++)
        {
            wide[w] = Vector512.Create(network.Values[w]);
            low[w] = Vector256.Create(network.Values[w].AsSpan(0, 8));
            high[w] = Vector256.Create(network.Values[w].AsSpan(8, 8));
        }
        // 28 and 13 are the counts the machine picks with and without AVX-512; 3 evicts at almost every comparator.
        foreach (int registers in (int[])[3, 13, 28])
        {
            var wideRun = (Vector512<float>[])wide.Clone();
            var lowRun = (Vector256<float>[])low.Clone();
            var highRun = (Vector256<float>[])high.Clone();
            var compiledWide = CompiledNetwork.Compile<Vector512<float>>(network.Pairs, registers);
            var compiledNarrow = CompiledNetwork.Compile<Vector256<float>>(network.Pairs, registers);
            unsafe
            {
                fixed (Vector512<float>* p = wideRun) compiledWide.Sort(p);
                fixed (Vector256<float>* p = lowRun) compiledNarrow.Sort(p);
                fixed (Vector256<float>* p = highRun) compiledNarrow.Sort(p);
            }
            for (int w = 0; w < n; w++)
            {
                for (int lane = 0; lane < 16; lane++)
                {
                    uint want = BitConverter.SingleToUInt32Bits(expected[w][lane]);
                    Assert.True(want == BitConverter.SingleToUInt32Bits(wideRun[w].GetElement(lane)),
                        $"{registers} registers, wire {w}, lane {lane}, 16 lanes: {expected[w][lane]:R} expected, {wideRun[w].GetElement(lane):R}");
                    float narrow = lane < 8 ? lowRun[w].GetElement(lane) : highRun[w].GetElement(lane - 8);
                    Assert.True(want == BitConverter.SingleToUInt32Bits(narrow),
                        $"{registers} registers, wire {w}, lane {lane}, 8 lanes: {expected[w][lane]:R} expected, {narrow:R}");
                }
            }
        }
    }

    /// <summary>The comparators on wire <paramref name="w"/>, in order, each as its (low, high) pair.</summary>
    private static List<(int, int)> Sequence(int[] pairs, int w)
    {
        var list = new List<(int, int)>();
        for (int c = 0; c < pairs.Length / 2; c++)
        {
            if (pairs[2 * c] == w || pairs[2 * c + 1] == w) list.Add((pairs[2 * c], pairs[2 * c + 1]));
        }
        return list;
    }
}
