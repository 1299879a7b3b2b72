using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Intrinsics;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// A comparator network turned into straight-line code at run time: one dynamic method per segment of
/// comparators that loads each wire it touches once (at its first comparator), keeps it in a vector
/// local through min/max pairs and stores it after its last comparator, so that the JIT keeps the
/// wires in registers (32 zmm with AVX-512) instead of loading and storing two vectors per comparator.
/// </summary>
/// <remarks>
/// The comparators are those of the <see cref="SortingNetwork"/>, in its order, each <c>MinNative</c>
/// then <c>MaxNative</c> of the same two wires, exactly as the interpreted loop computes them; min and
/// max are exact, so the wires end bit for bit as the interpreter leaves them at any vector width.
/// Segments hold at most <see cref="SegmentLength"/> comparators so that no method reaches the JIT's
/// size limits beyond which it compiles without optimization (8 000 local references). Dynamic methods
/// are compiled once, fully optimized; the bodies are immutable and safe to call from any thread.
/// </remarks>
internal sealed unsafe class CompiledNetwork
{
    private const int SegmentLength = 700;

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
            segments[s] = Emit(pairs[(2 * from)..(2 * to)], type, size, min, max);
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

    private static Body Emit(ReadOnlySpan<int> pairs, Type type, int size, MethodInfo min, MethodInfo max)
    {
        int wires = 0;
        foreach (int w in pairs) wires = Math.Max(wires, w + 1);
        var first = new int[wires];
        var last = new int[wires];
        Array.Fill(first, -1);
        for (int c = 0; c < pairs.Length / 2; c++)
        {
            foreach (int w in (ReadOnlySpan<int>)[pairs[2 * c], pairs[2 * c + 1]])
            {
                if (first[w] < 0) first[w] = c;
                last[w] = c;
            }
        }
        var method = new DynamicMethod("SortingNetworkSegment", typeof(void), [typeof(void*)], typeof(CompiledNetwork).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        var locals = new LocalBuilder?[wires];
        for (int c = 0; c < pairs.Length / 2; c++)
        {
            int a = pairs[2 * c], b = pairs[2 * c + 1];
            foreach (int w in (ReadOnlySpan<int>)[a, b])
            {
                if (first[w] != c) continue;
                locals[w] = il.DeclareLocal(type);
                Address(il, w, size);
                il.Emit(OpCodes.Ldobj, type);
                il.Emit(OpCodes.Stloc, locals[w]!);
            }
            il.Emit(OpCodes.Ldloc, locals[a]!);
            il.Emit(OpCodes.Ldloc, locals[b]!);
            il.Emit(OpCodes.Call, min);
            il.Emit(OpCodes.Ldloc, locals[a]!);
            il.Emit(OpCodes.Ldloc, locals[b]!);
            il.Emit(OpCodes.Call, max);
            il.Emit(OpCodes.Stloc, locals[b]!);
            il.Emit(OpCodes.Stloc, locals[a]!);
            foreach (int w in (ReadOnlySpan<int>)[a, b])
            {
                if (last[w] != c) continue;
                Address(il, w, size);
                il.Emit(OpCodes.Ldloc, locals[w]!);
                il.Emit(OpCodes.Stobj, type);
            }
        }
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Body>();
    }

    private static void Address(ILGenerator il, int wire, int size)
    {
        il.Emit(OpCodes.Ldarg_0);
        if (wire == 0) return;
        il.Emit(OpCodes.Ldc_I4, wire * size);
        il.Emit(OpCodes.Add);
    }
}
