using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// A comparator network turned into straight-line code at run time: one dynamic method per segment of
/// comparators whose wires live in a fixed set of vector locals (<see cref="Registers"/>), loaded from and
/// stored back to the caller's buffer only when the set is full, so that the JIT keeps them in registers
/// (32 zmm with AVX-512) instead of loading and storing two vectors per comparator.
/// </summary>
/// <remarks>
/// <para>The comparators are those of the <see cref="SortingNetwork"/>, each <c>MinNative</c> then
/// <c>MaxNative</c> of the same two wires, exactly as the interpreted loop computes them. Within a segment
/// they run in another order (<see cref="Schedule"/>) that keeps every wire's own sequence of comparators:
/// each comparator still follows every earlier one that shares a wire, so each comparator sees the same two
/// values as in the network's order, and min and max are exact, so the wires end bit for bit as the
/// interpreter leaves them at any vector width (CompiledNetworkTests pin every wire).</para>
/// <para>Register allocation (since session 17; before it the JIT allocated one local per wire and spilled
/// on its own — at n = 100 about 590 loads and 540 stores per pass of the 898-comparator median network):
/// a wire that is not in a local is loaded into a free one; when none is free, the resident wire whose next
/// comparator comes last is stored and its local reused (farthest next use, optimal in loads for the
/// order); a wire is stored after its last comparator of the segment. The order prefers, among the
/// comparators whose earlier comparators on both wires have run, one whose two wires are resident, then
/// one with one resident wire, then the earliest. Speed only: no bit depends on either choice.</para>
/// <para>Segments hold at most <see cref="SegmentLength"/> comparators so that no method reaches the JIT's
/// size limits beyond which it compiles without optimization (8 000 local references). Dynamic methods
/// are compiled once, fully optimized; the bodies are immutable and safe to call from any thread.</para>
/// </remarks>
internal sealed unsafe class CompiledNetwork
{
    // Local references per segment (the JIT counts ldarg.0, ldloc and stloc): 6 per comparator and 2 per load or store
    // of a wire, at most one load and one store per wire end, so at most 6·500 + 4·2·500 = 7 000 < 8 000.
    private const int SegmentLength = 500;

    /// <summary>Sorts the wires of one set of lanes at <c>values</c> (one vector per wire) in place.</summary>
    public delegate void Body(void* values);

    private readonly Body[] _segments;

    private CompiledNetwork(Body[] segments) => _segments = segments;

    /// <summary>Runs the network over the n vectors at <paramref name="values"/>.</summary>
    public void Sort(void* values)
    {
        foreach (var segment in _segments) segment(values);
    }

    /// <summary>The network over <typeparamref name="TVector"/> (<c>Vector256&lt;float&gt;</c> or <c>Vector512&lt;float&gt;</c>) wires.</summary>
    public static CompiledNetwork Compile<TVector>(ReadOnlySpan<int> pairs)
        where TVector : struct => Compile<TVector>(pairs, Registers);

    /// <summary><see cref="Compile{TVector}(ReadOnlySpan{int})"/> with <paramref name="registers"/> vector locals (tests: every count on any machine).</summary>
    internal static CompiledNetwork Compile<TVector>(ReadOnlySpan<int> pairs, int registers)
        where TVector : struct
    {
        var type = typeof(TVector);
        var statics = type == typeof(Vector512<float>) ? typeof(Vector512)
            : type == typeof(Vector256<float>) ? typeof(Vector256)
            : throw new ArgumentException("only Vector256<float> and Vector512<float> wires", nameof(TVector));
        var min = Generic(statics, nameof(Vector256.MinNative));
        var max = Generic(statics, nameof(Vector256.MaxNative));
        int size = type == typeof(Vector512<float>) ? 64 : 32;
        int comparators = pairs.Length / 2;
        var segments = new Body[Math.Max(1, (comparators + SegmentLength - 1) / SegmentLength)];
        for (int s = 0; s < segments.Length; s++)
        {
            int from = s * SegmentLength, to = Math.Min(comparators, from + SegmentLength);
            segments[s] = Emit(pairs[(2 * from)..(2 * to)], type, size, min, max, Math.Max(3, registers));
        }
        return new CompiledNetwork(segments);
    }

    private static MethodInfo Generic(Type statics, string name)
    {
        foreach (var method in statics.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (method.Name == name && method.IsGenericMethodDefinition && method.GetParameters().Length == 2)
                return method.MakeGenericMethod(typeof(float));
        }
        throw new MissingMethodException(statics.Name, name);
    }

    /// <summary>
    /// Vector locals a segment keeps its wires in: 28 of the 32 vector registers when AVX-512 gives 32 (zmm0…31,
    /// and ymm16…31 for 256-bit wires), else 13 of 16, leaving the JIT registers for the min/max results.
    /// </summary>
    internal static int Registers { get; } = Avx512F.VL.IsSupported ? 28 : 13;

    /// <summary>
    /// The comparators of <paramref name="pairs"/> (low wire, high wire) in an order that keeps every wire's own
    /// sequence of comparators (a topological order of the network) and prefers comparators whose wires were used
    /// most recently (the last <paramref name="registers"/> wires touched count as resident).
    /// </summary>
    internal static int[] Schedule(ReadOnlySpan<int> pairs, int registers)
    {
        int count = pairs.Length / 2;
        int wires = 0;
        foreach (int w in pairs) wires = Math.Max(wires, w + 1);
        // waiting[c]: earlier comparators on c's wires not yet placed; after[c]: the comparators after c on its wires.
        var waiting = new int[count];
        var after = new List<int>[count];
        var lastOn = new int[wires];
        Array.Fill(lastOn, -1);
        for (int c = 0; c < count; c++)
        {
            after[c] = [];
            foreach (int w in (ReadOnlySpan<int>)[pairs[2 * c], pairs[2 * c + 1]])
            {
                if (lastOn[w] >= 0)
                {
                    after[lastOn[w]].Add(c);
                    waiting[c]++;
                }
                lastOn[w] = c;
            }
        }
        var ready = new SortedSet<int>();
        for (int c = 0; c < count; c++)
        {
            if (waiting[c] == 0) ready.Add(c);
        }
        var recent = new LinkedList<int>();
        var resident = new bool[wires];
        var order = new int[pairs.Length];
        for (int k = 0; k < count; k++)
        {
            int pick = -1, best = -1;
            foreach (int c in ready)
            {
                int score = (resident[pairs[2 * c]] ? 1 : 0) + (resident[pairs[2 * c + 1]] ? 1 : 0);
                if (score <= best) continue;
                (best, pick) = (score, c);
                if (score == 2) break;
            }
            ready.Remove(pick);
            order[2 * k] = pairs[2 * pick];
            order[2 * k + 1] = pairs[2 * pick + 1];
            foreach (int w in (ReadOnlySpan<int>)[pairs[2 * pick], pairs[2 * pick + 1]])
            {
                if (resident[w]) recent.Remove(w);
                resident[w] = true;
                recent.AddFirst(w);
                if (recent.Count > registers)
                {
                    resident[recent.Last!.Value] = false;
                    recent.RemoveLast();
                }
            }
            foreach (int c in after[pick])
            {
                if (--waiting[c] == 0) ready.Add(c);
            }
        }
        return order;
    }

    private static Body Emit(ReadOnlySpan<int> network, Type type, int size, MethodInfo min, MethodInfo max, int registers)
    {
        var method = new DynamicMethod("SortingNetworkSegment", typeof(void), [typeof(void*)], typeof(CompiledNetwork).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        Allocate(network, registers, new Emitter(il, type, size, min, max, registers));
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Body>();
    }

    /// <summary>
    /// The loads and stores of wires the compiled code of <paramref name="pairs"/> makes with <paramref name="registers"/>
    /// vector locals, cut into segments as <see cref="Compile{TVector}(ReadOnlySpan{int}, int)"/> cuts it: with two
    /// instructions per comparator, the cost <see cref="SortingNetwork"/> compares its candidate networks by.
    /// </summary>
    internal static int Moves(ReadOnlySpan<int> pairs, int registers)
    {
        int moves = 0, comparators = pairs.Length / 2;
        for (int from = 0; from < comparators; from += SegmentLength)
        {
            int to = Math.Min(comparators, from + SegmentLength);
            moves += Allocate(pairs[(2 * from)..(2 * to)], Math.Max(3, registers), emitter: null);
        }
        return moves;
    }

    /// <summary>The IL of a segment: its vector locals, and how to load or store a wire and run a comparator.</summary>
    private sealed class Emitter(ILGenerator il, Type type, int size, MethodInfo min, MethodInfo max, int registers)
    {
        private readonly LocalBuilder[] _locals = Declare(il, type, registers);

        private static LocalBuilder[] Declare(ILGenerator il, Type type, int registers)
        {
            var locals = new LocalBuilder[registers];
            for (int k = 0; k < registers; k++) locals[k] = il.DeclareLocal(type);
            return locals;
        }

        public void Load(int wire, int local)
        {
            Address(il, wire, size);
            il.Emit(OpCodes.Ldobj, type);
            il.Emit(OpCodes.Stloc, _locals[local]);
        }

        public void Store(int wire, int local)
        {
            Address(il, wire, size);
            il.Emit(OpCodes.Ldloc, _locals[local]);
            il.Emit(OpCodes.Stobj, type);
        }

        public void Compare(int localA, int localB)
        {
            var la = _locals[localA];
            var lb = _locals[localB];
            il.Emit(OpCodes.Ldloc, la);
            il.Emit(OpCodes.Ldloc, lb);
            il.Emit(OpCodes.Call, min);
            il.Emit(OpCodes.Ldloc, la);
            il.Emit(OpCodes.Ldloc, lb);
            il.Emit(OpCodes.Call, max);
            il.Emit(OpCodes.Stloc, lb);
            il.Emit(OpCodes.Stloc, la);
        }
    }

    /// <summary>
    /// Schedules one segment and allocates its wires to <paramref name="registers"/> locals (the remarks' rules), emitting
    /// the code through <paramref name="emitter"/> when there is one; returns the loads and stores of wires.
    /// </summary>
    private static int Allocate(ReadOnlySpan<int> network, int registers, Emitter? emitter)
    {
        var pairs = Schedule(network, registers);
        int count = pairs.Length / 2;
        int wires = 0;
        foreach (int w in pairs) wires = Math.Max(wires, w + 1);
        // Every wire's comparators in the emitted order, for the farthest-next-use choice.
        var uses = new List<int>[wires];
        for (int w = 0; w < wires; w++) uses[w] = [];
        for (int c = 0; c < count; c++)
        {
            uses[pairs[2 * c]].Add(c);
            uses[pairs[2 * c + 1]].Add(c);
        }
        var seen = new int[wires];
        int NextUse(int w, int from)
        {
            var list = uses[w];
            while (seen[w] < list.Count && list[seen[w]] < from) seen[w]++;
            return seen[w] < list.Count ? list[seen[w]] : int.MaxValue;
        }
        int moves = 0;
        var localOf = new int[wires];
        Array.Fill(localOf, -1);
        var wireIn = new int[registers];
        Array.Fill(wireIn, -1);
        var free = new Stack<int>();
        for (int k = registers - 1; k >= 0; k--) free.Push(k);
        void Store(int wire)
        {
            int k = localOf[wire];
            emitter?.Store(wire, k);
            moves++;
            wireIn[k] = -1;
            localOf[wire] = -1;
            free.Push(k);
        }
        for (int c = 0; c < count; c++)
        {
            int a = pairs[2 * c], b = pairs[2 * c + 1];
            foreach (int w in (ReadOnlySpan<int>)[a, b])
            {
                if (localOf[w] >= 0) continue;
                if (free.Count == 0)
                {
                    int victim = -1, farthest = -1;
                    foreach (int held in wireIn)
                    {
                        if (held == a || held == b) continue;
                        int next = NextUse(held, c);
                        if (next > farthest) (farthest, victim) = (next, held);
                    }
                    Store(victim);
                }
                int k = free.Pop();
                localOf[w] = k;
                wireIn[k] = w;
                emitter?.Load(w, k);
                moves++;
            }
            emitter?.Compare(localOf[a], localOf[b]);
            foreach (int w in (ReadOnlySpan<int>)[a, b])
            {
                if (NextUse(w, c + 1) == int.MaxValue) Store(w);
            }
        }
        return moves;
    }

    private static void Address(ILGenerator il, int wire, int size)
    {
        il.Emit(OpCodes.Ldarg_0);
        if (wire == 0) return;
        il.Emit(OpCodes.Ldc_I4, wire * size);
        il.Emit(OpCodes.Add);
    }
}
