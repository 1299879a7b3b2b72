using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// A comparator network that sorts n values in each of 8 or 16 lanes at once, optionally pruned to the
/// comparators that can affect given output ranks (<see cref="Create(int, Func{int, bool}, bool)"/>: Batcher's
/// odd–even merge sort, or Parberry's pairwise sorting network where it costs less to run); or the
/// tournament of <see cref="Extremes"/>, which only separates the b smallest and b largest values.
/// </summary>
/// <remarks>
/// Both sorting networks are generated for the next power of two and restricted to the first n wires, which
/// is exact: padding wires would hold +∞, and a comparator only moves the larger value to the higher wire,
/// so padding never leaves its wire and every comparator touching it is a no-op. Comparisons use <c>Vector256.MinNative</c>/<c>MaxNative</c> (one instruction each), whose
/// result differs between platforms only for NaN and for −0 against +0: callers load no NaN and replace
/// −0 by +0 first (<see cref="ColumnKernel{TReducer}"/>), so the network is bit-identical everywhere.
/// The odd–even network's comparators are kept depth first (each merge right after the sorts of its two halves), the
/// pairwise network's in level order, and where
/// the hardware runs 256- or 512-bit vectors and dynamic code is available they also run as
/// straight-line code with the wires in registers (<see cref="CompiledNetwork"/>), about 4× faster than
/// the interpreted loop (two loads and two stores per comparator); both leave every wire with the same bits.
/// </remarks>
internal sealed unsafe class SortingNetwork
{
    // Comparator c joins wires _pairs[2c] (gets the smaller value) and _pairs[2c + 1]; every index is < Size.
    private readonly int[] _pairs;
    // The same comparators as straight-line code, where the hardware runs that width and code can be emitted.
    private readonly CompiledNetwork? _compiled256;
    private readonly CompiledNetwork? _compiled512;

    private SortingNetwork(int size, int[] pairs, bool compile)
    {
        Size = size;
        _pairs = pairs;
        if (compile && Size <= MaxCompiledSize && RuntimeFeature.IsDynamicCodeCompiled)
        {
            if (Vector256.IsHardwareAccelerated) _compiled256 = CompiledNetwork.Compile<Vector256<float>>(_pairs);
            if (Vector512.IsHardwareAccelerated) _compiled512 = CompiledNetwork.Compile<Vector512<float>>(_pairs);
        }
    }

    /// <summary>Largest network run as compiled code (its wires fit on the stack of <see cref="ColumnKernel{TReducer}"/>).</summary>
    public const int MaxCompiledSize = 256;

    /// <summary>Whether sets of 16 lanes run as compiled code (AVX-512): callers then prefer <see cref="Sort(Span{Vector512{float}})"/>.</summary>
    public bool Prefers512 => _compiled512 is not null;

    /// <summary>Whether <see cref="Sort(Span{Vector256{float}})"/> runs compiled code (AVX2 or better, dynamic code available).</summary>
    public bool IsCompiled => _compiled256 is not null;

    public int Size { get; }

    public int ComparatorCount => _pairs.Length / 2;

    /// <summary>A network that places ranks <paramref name="firstRank"/> … <paramref name="lastRank"/> (inclusive) correctly.</summary>
    public static SortingNetwork Create(int n, int firstRank, int lastRank)
        => Create(n, r => r >= firstRank && r <= lastRank);

    /// <summary>
    /// A network that places every rank r with <paramref name="needed"/>(r) correctly; the other wires
    /// then hold the other values in an unspecified (but input-determined) order.
    /// </summary>
    /// <remarks>
    /// Where networks run compiled, up to <see cref="CompiledNetwork.Registers"/> wires (all of them in registers), the
    /// odd–even merge network pruned to the comparators that can affect a needed rank. Otherwise, of the two sorting
    /// networks so pruned, the one that costs less
    /// (<see cref="Cost(int, int[])"/>: where it runs compiled, two instructions per comparator and the loads and
    /// stores of wires that do not fit in registers; otherwise the comparators; the odd–even network at equal cost).
    /// Placing a rank correctly gives it the same value whichever network does it, so the choice changes no needed wire's
    /// bits (callers read only those). Since session 30 (before, always the odd–even network). With AVX-512's 28 locals the
    /// median of 100 takes the pairwise network (776 comparators against 898); full sorts of 92 and 100 wires keep the odd–even one (1 011 against
    /// 961 and 1 104 against 1 077 comparators, but the pairwise network's long-range comparators load and store more
    /// wires); interpreted, the pairwise network whenever it has fewer comparators. In alternated BenchmarkDotNet rounds,
    /// relative to the unchanged trimmed mean, the median of 100×10⁵ was 2–12 % faster with the pairwise network than
    /// before and the median of 20×10⁶ 4–22 % slower, although the pairwise network has fewer comparators there too (73
    /// against 84, every wire in registers): hence the odd–even network up to the register count (docs/PERFORMANCE.md,
    /// "Session 30").
    /// </remarks>
    /// <param name="n">Wires.</param>
    /// <param name="needed">The output ranks that must be placed.</param>
    /// <param name="compile">False keeps the interpreted loop (the reference the tests hold the compiled code to).</param>
    public static SortingNetwork Create(int n, Func<int, bool> needed, bool compile = true)
    {
        if (!compile) return Build(n, needed, compile: false);
        // Compiling emits and JITs code, so a network is made once per (size, ranks) and shared: rounds whose reply
        // count changes (crashes, federated sampling) and every run of a sweep reuse it. Networks are immutable.
        var key = new char[Math.Max(n, 0) + 1];
        key[0] = (char)Math.Min(n, char.MaxValue);
        for (int r = 0; r < n; r++) key[r + 1] = needed(r) ? '1' : '0';
        return Cached(new string(key), () => Build(n, needed, compile: true));
    }

    /// <summary>The network kept under <paramref name="name"/>, made by <paramref name="make"/> the first time (outside the lock).</summary>
    private static SortingNetwork Cached(string name, Func<SortingNetwork> make)
    {
        lock (Shared)
        {
            if (Shared.TryGetValue(name, out var known)) return known;
        }
        var made = make();
        lock (Shared)
        {
            if (Shared.Count >= SharedLimit) Shared.Clear(); // bounded: at most SharedLimit networks kept
            Shared.TryAdd(name, made);
            return Shared[name];
        }
    }

    /// <summary>
    /// A network that leaves the <paramref name="b"/> smallest values on wires 0 … b−1 and the b largest on wires n−b … n−1,
    /// each set in no particular order (the "tournament" network of the trimmed mean, documented in docs/AGGREGATORS.md);
    /// the wires between hold the other values.
    /// </summary>
    /// <remarks>
    /// <para>The wires are cut into L = ⌊n / 2b⌋ consecutive leaves of 2b wires, the last one taking the n mod 2b wires
    /// left over. Each leaf's b smallest and b largest are sorted onto its first and last b wires by the pruned odd–even
    /// network (<see cref="Build(int, Func{int, bool}, Construction, bool)"/>, never the pairwise one: the wire order is
    /// documented). Two knockout trees then join the leaves, balanced
    /// (left half ⌊L/2⌋ leaves): joining two sorted sets A (left) and B (right) of b values each, comparators (A[i],
    /// B[b−1−i]) leave the b smallest of the 2b on A's wires and the b largest on B's (the half cleaner of a bitonic
    /// merge); the smallest-values tree re-sorts A, the largest-values tree re-sorts B (the odd–even network on b
    /// wires), except at the root. The smallest set therefore ends on the first leaf's first b wires and the largest on
    /// the last leaf's last b. A value left out of a tree has at least b values at or below it (above it, for the
    /// largest), so it is not needed there: the sets are exact as multisets, ties included.</para>
    /// <para>With L = 1 (n &lt; 4b) this is the pruned odd–even network for ranks below b and from n − b. At n = 100,
    /// b = 4 it has 438 comparators against the pruned odd–even network's 855; at n = 20, b = 4, 68 against 92.
    /// Comparators are emitted leaf by leaf, each join right after its two subtrees, so a compiled body works on few wires at a time.</para>
    /// </remarks>
    public static SortingNetwork Extremes(int n, int b, bool compile = true)
    {
        if (n < 0 || b < 0 || 2L * b > n) throw new ArgumentOutOfRangeException(nameof(b), $"extremes of {b} need at least {2L * b} wires, not {n}");
        if (!compile) return BuildExtremes(n, b, compile: false);
        // Never a key of Create, whose keys are n and then n characters '0' or '1'.
        return Cached($"extremes:{n}:{b}", () => BuildExtremes(n, b, compile: true));
    }

    private static SortingNetwork BuildExtremes(int n, int b, bool compile)
    {
        var low = new List<int>();
        var high = new List<int>();
        if (b > 0)
        {
            int leaves = n / (2 * b);
            var sortB = Build(b, _ => true, Construction.OddEvenMerge);
            void Emit(SortingNetwork network, int offset)
            {
                for (int c = 0; c < network._pairs.Length; c += 2)
                {
                    low.Add(offset + network._pairs[c]);
                    high.Add(offset + network._pairs[c + 1]);
                }
            }
            // Two sorted sets of b wires from a and c: the b smallest of the 2b end on a's wires, the b largest on c's.
            void HalfClean(int a, int c)
            {
                for (int i = 0; i < b; i++)
                {
                    low.Add(a + i);
                    high.Add(c + b - 1 - i);
                }
            }
            // Returns the first wire of the subtree's smallest set and of its largest set (b wires each, sorted unless root).
            (int Smallest, int Largest) Tree(int first, int count, bool root)
            {
                Debug.Assert(count >= 1, "a subtree holds at least one leaf (n ≥ 2b, b ≥ 1)");
                if (count == 1)
                {
                    int start = first * 2 * b, size = first == leaves - 1 ? n - start : 2 * b;
                    Emit(Build(size, r => r < b || r >= size - b, Construction.OddEvenMerge), start);
                    return (start, start + size - b);
                }
                int half = count / 2;
                var left = Tree(first, half, root: false);
                var right = Tree(first + half, count - half, root: false);
                HalfClean(left.Smallest, right.Smallest);
                if (!root) Emit(sortB, left.Smallest);
                HalfClean(left.Largest, right.Largest);
                if (!root) Emit(sortB, right.Largest);
                return (left.Smallest, right.Largest);
            }
            Tree(0, leaves, root: true);
        }
        return new SortingNetwork(n, Interleave(low, high), compile);
    }

    private const int SharedLimit = 64;
    private static readonly Dictionary<string, SortingNetwork> Shared = new(StringComparer.Ordinal);

    /// <summary>The sorting networks <see cref="Create(int, Func{int, bool}, bool)"/> prunes and chooses between.</summary>
    internal enum Construction
    {
        /// <summary>Batcher's odd–even merge sort (1968): the tournament's leaves always use it (their wire order is documented).</summary>
        OddEvenMerge,

        /// <summary>
        /// Parberry's pairwise sorting network (1992): as many comparators as the odd–even network for a power of two,
        /// but its pruned restrictions keep fewer (a median, or a sort of n wires below a power of two).
        /// </summary>
        Pairwise,
    }

    private static SortingNetwork Build(int n, Func<int, bool> needed, bool compile)
    {
        int[] oddEven = Comparators(n, needed, Construction.OddEvenMerge);
        if (n <= CompiledNetwork.Registers && CompilesHere(n)) return new SortingNetwork(n, oddEven, compile);
        int[] pairwise = Comparators(n, needed, Construction.Pairwise);
        return new SortingNetwork(n, Cost(n, pairwise) < Cost(n, oddEven) ? pairwise : oddEven, compile);
    }

    /// <summary>Comparator c's low and high wires at 2c and 2c + 1, the layout of <see cref="_pairs"/>.</summary>
    private static int[] Interleave(IReadOnlyList<int> low, IReadOnlyList<int> high)
    {
        var pairs = new int[2 * low.Count];
        for (int c = 0; c < low.Count; c++)
        {
            pairs[2 * c] = low[c];
            pairs[2 * c + 1] = high[c];
        }
        return pairs;
    }

    /// <summary>Whether networks of <paramref name="n"/> wires run as compiled code on this machine (whatever a caller's compile flag).</summary>
    private static bool CompilesHere(int n)
        => n <= MaxCompiledSize && RuntimeFeature.IsDynamicCodeCompiled && Vector256.IsHardwareAccelerated;

    /// <summary>Whether a network of this size runs as compiled code on this machine when made with compile: true (tests).</summary>
    internal bool IsCompiledHere => CompilesHere(Size);

    /// <summary>
    /// What <see cref="Create(int, Func{int, bool}, bool)"/> compares networks by. Where networks of n wires run compiled
    /// here, the instructions of the compiled code that touch wires: two per comparator (min, max) and every load and
    /// store of a wire with <see cref="CompiledNetwork.Registers"/> vector locals; elsewhere (the interpreted loop: two
    /// loads and two stores per comparator) the comparators. It depends on the machine kind and n, never on a caller's
    /// compile flag, so the interpreted reference (compile: false) holds the same comparators as the compiled network.
    /// </summary>
    private static int Cost(int n, int[] pairs)
        => CompilesHere(n) ? pairs.Length + CompiledNetwork.Moves(pairs, CompiledNetwork.Registers) : pairs.Length / 2;

    /// <summary><see cref="Cost(int, int[])"/> of this network (tests).</summary>
    internal int Cost() => Cost(Size, _pairs);

    /// <summary>The network of <paramref name="construction"/> on n wires pruned to <paramref name="needed"/>, without choosing (tests, benchmarks).</summary>
    internal static SortingNetwork Build(int n, Func<int, bool> needed, Construction construction, bool compile = false)
    {
        return new SortingNetwork(n, Comparators(n, needed, construction), compile);
    }

    /// <summary>
    /// Parberry's pairwise sorting network on p wires (a power of two), in its level order: first the pairs at distance
    /// a = 1, 2, 4, … within blocks of 2a (each block's two interleaved halves compared element by element), then, for
    /// a = p/4 down to 1, the chains of comparators at distances d·a for d = 2^k − 1 down to 1 that merge them.
    /// </summary>
    private static void Pairwise(int p, List<int> low, List<int> high)
    {
        for (int a = 1; a < p; a *= 2)
        {
            for (int b = a, c = 0; b < p;)
            {
                low.Add(b - a);
                high.Add(b);
                b++;
                c = (c + 1) % a;
                if (c == 0) b += a;
            }
        }
        for (int a = p / 4, e = 1; a > 0; a /= 2, e = 2 * e + 1)
        {
            for (int d = e; d > 0; d /= 2)
            {
                for (int b = (d + 1) * a, c = 0; b < p;)
                {
                    low.Add(b - d * a);
                    high.Add(b);
                    b++;
                    c = (c + 1) % a;
                    if (c == 0) b += a;
                }
            }
        }
    }

    private static int[] Comparators(int n, Func<int, bool> needed, Construction construction)
    {
        int p = 1;
        while (p < n) p <<= 1;
        var low = new List<int>();
        var high = new List<int>();
        if (construction == Construction.Pairwise)
        {
            var allLow = new List<int>();
            var allHigh = new List<int>();
            Pairwise(p, allLow, allHigh);
            for (int c = 0; c < allLow.Count; c++)
            {
                if (allHigh[c] >= n) continue; // touches padding (+∞ on wires ≥ n): a no-op
                low.Add(allLow[c]);
                high.Add(allHigh[c]);
            }
            // Level order is already a topological order; the compiled code schedules its own (CompiledNetwork.Schedule).
            return Prune(n, needed, low, high, order: null);
        }
        var blockEnd = new List<int>();
        var blockLength = new List<int>();
        for (int size = 1; size < p; size <<= 1)
        {
            for (int k = size; k >= 1; k >>= 1)
            {
                for (int j = k % size; j + k < p; j += 2 * k)
                {
                    for (int i = 0; i < Math.Min(k, p - j - k); i++)
                    {
                        int a = i + j, b = i + j + k;
                        if (a / (2 * size) == b / (2 * size) && b < n)
                        {
                            low.Add(a);
                            high.Add(b);
                            blockEnd.Add((a / (2 * size) + 1) * 2 * size);
                            blockLength.Add(2 * size);
                        }
                    }
                }
            }
        }
        // Depth first: each merge right after the sorts of its two halves (the merge blocks in post-order,
        // i.e. by block end, then smaller blocks first; a stable sort keeps the order within a block). Blocks
        // are nested or disjoint, so every comparator still follows the earlier ones sharing a wire: the same
        // network, the same result on every wire, but a compiled body keeps a small block's wires in registers.
        return Prune(n, needed, low, high, kept => kept.OrderBy(c => blockEnd[c]).ThenBy(c => blockLength[c]));
    }

    /// <summary>
    /// The comparators that can affect a needed rank (pruned backwards: a comparator is kept if one of its wires still
    /// matters downstream), in the network's order or the one <paramref name="order"/> makes of their indices, laid out as
    /// <see cref="_pairs"/>.
    /// </summary>
    private static int[] Prune(
        int n, Func<int, bool> needed, List<int> low, List<int> high, Func<IEnumerable<int>, IEnumerable<int>>? order)
    {
        var wire = new bool[Math.Max(n, 1)];
        for (int r = 0; r < n; r++) wire[r] = needed(r);
        var keep = new bool[low.Count];
        for (int c = low.Count - 1; c >= 0; c--)
        {
            if (wire[low[c]] || wire[high[c]])
            {
                keep[c] = true;
                wire[low[c]] = wire[high[c]] = true;
            }
        }
        var kept = new List<int>();
        for (int c = 0; c < low.Count; c++)
        {
            if (keep[c]) kept.Add(c);
        }
        var sorted = (order is null ? kept : order(kept)).ToArray();
        var pairs = new int[2 * sorted.Length];
        for (int c = 0; c < sorted.Length; c++)
        {
            pairs[2 * c] = low[sorted[c]];
            pairs[2 * c + 1] = high[sorted[c]];
        }
        return pairs;
    }

    /// <summary>Sorts (the needed ranks of) each lane of <paramref name="values"/> ascending.</summary>
    public void Sort(Span<Vector256<float>> values)
    {
        if (values.Length < Size) throw new ArgumentException("fewer values than wires", nameof(values));
        if (_compiled256 is { } compiled)
        {
            fixed (Vector256<float>* p = values) compiled.Sort(p);
            return;
        }
        ref Vector256<float> v = ref MemoryMarshal.GetReference(values);
        ref int pair = ref MemoryMarshal.GetArrayDataReference(_pairs);
        for (int c = 0; c < _pairs.Length; c += 2)
        {
            ref Vector256<float> a = ref Unsafe.Add(ref v, Unsafe.Add(ref pair, c));
            ref Vector256<float> b = ref Unsafe.Add(ref v, Unsafe.Add(ref pair, c + 1));
            var x = a;
            var y = b;
            a = Vector256.MinNative(x, y);
            b = Vector256.MaxNative(x, y);
        }
    }

    /// <summary>
    /// Two independent sorts in one pass: <paramref name="values"/>[0, n) and [n, 2n) (n = <see cref="Size"/>)
    /// go through the same comparators in the same order, so each half ends exactly as <see cref="Sort(Span{Vector256{float}})"/>
    /// leaves it; interleaving them halves the loop overhead per value.
    /// </summary>
    public void SortTwo(Span<Vector256<float>> values)
    {
        int n = Size;
        if (values.Length < 2 * n) throw new ArgumentException("fewer values than twice the wires", nameof(values));
        if (_compiled256 is { } compiled)
        {
            fixed (Vector256<float>* p = values)
            {
                compiled.Sort(p);
                compiled.Sort(p + n);
            }
            return;
        }
        ref Vector256<float> v = ref MemoryMarshal.GetReference(values);
        ref Vector256<float> w = ref Unsafe.Add(ref v, n);
        ref int pair = ref MemoryMarshal.GetArrayDataReference(_pairs);
        for (int c = 0; c < _pairs.Length; c += 2)
        {
            int i = Unsafe.Add(ref pair, c), j = Unsafe.Add(ref pair, c + 1);
            ref Vector256<float> a0 = ref Unsafe.Add(ref v, i);
            ref Vector256<float> b0 = ref Unsafe.Add(ref v, j);
            ref Vector256<float> a1 = ref Unsafe.Add(ref w, i);
            ref Vector256<float> b1 = ref Unsafe.Add(ref w, j);
            var x0 = a0;
            var y0 = b0;
            var x1 = a1;
            var y1 = b1;
            a0 = Vector256.MinNative(x0, y0);
            b0 = Vector256.MaxNative(x0, y0);
            a1 = Vector256.MinNative(x1, y1);
            b1 = Vector256.MaxNative(x1, y1);
        }
    }

    /// <summary>Sorts (the needed ranks of) each of 16 lanes of <paramref name="values"/> ascending: the same comparators as <see cref="Sort(Span{Vector256{float}})"/>.</summary>
    public void Sort(Span<Vector512<float>> values)
    {
        if (values.Length < Size) throw new ArgumentException("fewer values than wires", nameof(values));
        if (_compiled512 is { } compiled)
        {
            fixed (Vector512<float>* p = values) compiled.Sort(p);
            return;
        }
        ref Vector512<float> v = ref MemoryMarshal.GetReference(values);
        ref int pair = ref MemoryMarshal.GetArrayDataReference(_pairs);
        for (int c = 0; c < _pairs.Length; c += 2)
        {
            ref Vector512<float> a = ref Unsafe.Add(ref v, Unsafe.Add(ref pair, c));
            ref Vector512<float> b = ref Unsafe.Add(ref v, Unsafe.Add(ref pair, c + 1));
            var x = a;
            var y = b;
            a = Vector512.MinNative(x, y);
            b = Vector512.MaxNative(x, y);
        }
    }

    /// <summary>Insertion sort of a short span (no NaN): the scalar fallback.</summary>
    public static void InsertionSort(Span<float> values)
    {
        for (int i = 1; i < values.Length; i++)
        {
            float x = values[i];
            int j = i - 1;
            while (j >= 0 && values[j] > x)
            {
                values[j + 1] = values[j];
                j--;
            }
            values[j + 1] = x;
        }
    }
}
