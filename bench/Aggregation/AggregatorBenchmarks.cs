using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Gpu;
using SimByz.Gpu.Composition;
using SimByz.Scheduler;
using TorchSharp;

namespace SimByz.Bench.Aggregation;

/// <summary>
/// Every aggregation rule on n×d float32 input beside its floor and its peer, all in one run: the
/// floor rows read the input once (<c>TensorPrimitives.Sum</c> on one thread, the same sum split over
/// all cores, and torch's <c>torch.sum</c> on a CPU tensor of the same data), each managed rule, and
/// each rule's torch twin on the CPU (the <c>torch:</c> rows, the peer).
/// </summary>
/// <remarks>
/// <para>Run (docs/PERFORMANCE.md, "Aggregation rules"):
/// <c>cd bench &amp;&amp; dotnet bin/Release/net10.0/SimByz.Bench.dll --filter '*AggregatorBenchmarks*' --inProcess --job short</c>.
/// A subset: list the cases in <c>SIMBYZ_BENCH_CASES</c> (see <see cref="Cases"/>).</para>
/// <para>The floor to compare a rule against is the best of <c>floor:sum-1-thread</c>,
/// <c>floor:sum-all-threads</c>, <c>floor:sum-alternating</c> and <c>floor:torch-sum</c> at the same shape. The all-thread sum cuts the input into a fixed number
/// of equal row-major slices (one per core), sums each on its own thread and adds the partial sums in
/// slice order, so its result does not depend on scheduling. <c>floor:sum-alternating</c> is the same sum with each
/// slice read in blocks of 64 KB, from its first block on one call and from its last on the next: a benchmark calls
/// a rule again and again on the same input, and a rule whose last pass runs its chunks backwards (ChunkOrder) starts
/// its next call on what that pass left in the caches; this floor reads the input with the same advantage.</para>
/// <para>Compute floors for the rules that need all pairwise distances (Krum, Multi-Krum, Bulyan,
/// and the n×n part of MDA, MoNNA, NNM): <c>floor:fma-peak-pairs</c> issues n(n−1)/2·d float32 fused
/// multiply-adds on register-resident accumulators over all cores (this machine's peak rate, no memory
/// traffic) in 256-bit vectors, <c>floor:fma-peak-pairs-512</c> the same in 512-bit vectors (the faster of the
/// two is the compute floor), and <c>floor:gram-torch-mm</c> is <c>torch.mm</c> of the n×d tensor with its transpose (a
/// best-case Gram matrix through libtorch's BLAS; it computes all n² products, twice the pairs). When the
/// FMA floor exceeds a target times the read floor, that target cannot be met by any kernel that forms
/// every pair's distance.</para>
/// <para>The torch rows run on libtorch's default intra-op thread count (printed at setup, "torch
/// threads: N"; on a 2-core machine 2). A twin's time includes the copy of the batch into a tensor and of the result
/// back, as when the torch backend aggregates; <c>floor:torch-sum</c> sums a tensor made once at setup.
/// In-process, BenchmarkDotNet stops the whole run when one case exceeds its time limit: on a heavily loaded machine the slowest twin (<c>torch:bulyan:f=4</c> at n = 100,
/// whose selection runs a torch call per candidate and round) reached it; leave such a case out with
/// <c>SIMBYZ_BENCH_CASES</c> or measure on a quiet machine.
/// Allocation: the managed rules allocate nothing per call after warm-up; BenchmarkDotNet's
/// "Allocated" counts managed memory only, so it does not see libtorch's.</para>
/// <para>Targets (issue "aggregation at the memory floor"), as ratios to the floor: mean ≤ 1.3×;
/// median, trimmed mean, meamed ≤ 4×; krum, multi-krum ≤ 3×; cc ≤ 2.5×; geometric median (T = 3) ≤ 7×;
/// bulyan ≤ 8×; every rule faster than its torch twin. The run judges them on its own figures
/// (<see cref="AggregatorVerdictConfig"/>, <see cref="IssueTargets"/>): three columns, and the tally after the table.</para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(AggregatorVerdictConfig))]
public class AggregatorBenchmarks
{
    private const string TorchPrefix = "torch:";
    private GradientBatch _batch = null!;
    private ReadOnlyMemory<float> _data;
    private float[] _output = [];
    private IAggregator? _rule;
    private torch.Tensor? _tensor;
    private double[] _partials = [];
    private bool _backwards;
    private AggregationContext _context = AggregationContext.None;
    private long _sortComparators;

    /// <summary>n×d of the input.</summary>
    [Params("20x1000000", "100x100000")]
    public string Shape { get; set; } = "20x1000000";

    /// <summary>A floor (<c>floor:…</c>), a managed rule spec, or <c>torch:</c> and a rule spec (its tensor twin on the CPU).</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "floor:sum-1-thread";

    /// <summary>The managed rules measured (f = b = 4 unless given); each is followed by its torch twin.</summary>
    public static IReadOnlyList<string> Rules { get; } =
    [
        "mean", "median", "trimmed-mean:b=4", "meamed:f=4", "krum:f=4", "krum:f=4,variant=byzfl", "multi-krum:f=4",
        "multi-krum:f=4,variant=byzfl", "cc:tau=100,iters=1", "geometric-median", "geometric-median:variant=fedlib",
        "bulyan:f=4", "bulyan:f=4,variant=aggregathor", "mda:f=2", "monna:f=4", "sign-majority",
        "zeno:b=4", "bucketing:s=2+median", "nnm:f=4+mean", "clipping:tau=1+mean", "arc:f=4+mean",
    ];

    /// <summary>
    /// Every case, or only those listed in the environment variable <c>SIMBYZ_BENCH_CASES</c>
    /// (separated by <c>;</c>, e.g. <c>floor:sum-1-thread;floor:sum-all-threads;median;torch:median</c>).
    /// </summary>
    public static IEnumerable<string> Cases
    {
        get
        {
            string? only = Environment.GetEnvironmentVariable("SIMBYZ_BENCH_CASES");
            if (string.IsNullOrWhiteSpace(only)) return AllCases();
            var chosen = only.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return AllCases().Where(c => chosen.Contains(c, StringComparer.Ordinal));
        }
    }

    private static IEnumerable<string> AllCases()
    {
        yield return "floor:sum-1-thread";
        yield return "floor:sum-all-threads";
        yield return "floor:sum-alternating";
        yield return "floor:torch-sum";
        yield return "floor:fma-peak-pairs";
        yield return "floor:fma-peak-pairs-512";
        yield return "floor:gram-torch-mm";
        yield return "floor:minmax-peak-sort";
        yield return "floor:minmax-peak-sort-512";
        foreach (string rule in Rules)
        {
            yield return rule;
            yield return TorchPrefix + rule;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        // The batch starts on a 64-byte boundary, as the simulator's batches do (AlignedFloats; torch's copy is aligned
        // too); SIMBYZ_BENCH_SHIFT=k moves it k floats off (0–15), to measure a misaligned batch.
        int shift = int.TryParse(Environment.GetEnvironmentVariable("SIMBYZ_BENCH_SHIFT"), out int k0) ? Math.Clamp(k0, 0, 15) : 0;
        _batch = Input(Shape, shift);
        _data = _batch.Memory;
        int n = _batch.Count, d = _batch.Dimension;
        _output = new float[d];
        _partials = new double[Environment.ProcessorCount];
        var build = new AggregatorBuildContext(Seed: 1, DeclaredByzantine: 4);
        _context = Context(d);
        if (Case is "floor:fma-peak-pairs-512" or "floor:minmax-peak-sort-512" && !Vector512.IsHardwareAccelerated)
        {
            Console.WriteLine($"// 512-bit vectors are not accelerated here: {Case} runs the 256-bit loop");
        }
        if (Case.StartsWith("floor:minmax-peak-sort", StringComparison.Ordinal))
        {
            _sortComparators = SortComparators(n);
            Console.WriteLine($"// {Case}: a full sort of {n} wires, {_sortComparators} comparators per coordinate");
        }
        if (Case is "floor:torch-sum" or "floor:gram-torch-mm")
        {
            _ = TorchDevice.Cpu;
            _tensor = torch.tensor(_data.ToArray(), [n, d]);
            Console.WriteLine($"// torch threads: {torch.get_num_threads()}");
        }
        else if (Case.StartsWith(TorchPrefix, StringComparison.Ordinal))
        {
            _rule = TorchComponents.CreateRule(Case[TorchPrefix.Length..], TorchDevice.Cpu, build);
            Console.WriteLine($"// torch threads: {torch.get_num_threads()}");
        }
        else if (!Case.StartsWith("floor:", StringComparison.Ordinal))
        {
            _rule = AggregatorCatalog.BuiltIn.Create(Case, build);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tensor?.Dispose();
        _tensor = null;
        _rule = null;
    }

    [Benchmark]
    public double Aggregate()
    {
        switch (Case)
        {
            case "floor:sum-1-thread":
                return TensorPrimitives.Sum(_data.Span);
            case "floor:sum-all-threads":
                return ParallelSum();
            case "floor:sum-alternating":
                return AlternatingSum(_data, _partials, _backwards = !_backwards);
            case "floor:torch-sum":
                using (var sum = torch.sum(_tensor!)) return sum.item<float>();
            case "floor:gram-torch-mm":
                using (var gram = torch.mm(_tensor!, _tensor!.t())) return gram[0, 0].item<float>();
            case "floor:fma-peak-pairs":
                return FmaPeak((long)_batch.Count * (_batch.Count - 1) / 2 * _batch.Dimension, wide: false);
            case "floor:fma-peak-pairs-512":
                return FmaPeak((long)_batch.Count * (_batch.Count - 1) / 2 * _batch.Dimension, wide: true);
            case "floor:minmax-peak-sort":
                return MinMaxPeak(_sortComparators * _batch.Dimension, wide: false);
            case "floor:minmax-peak-sort-512":
                return MinMaxPeak(_sortComparators * _batch.Dimension, wide: true);
            default:
                _rule!.Aggregate(_batch, _output, _context);
                return _output[0];
        }
    }

    /// <summary>The n×d input of <paramref name="shape"/> ("20x1000000"), drawn from N(0.01, 1) with a fixed seed, starting
    /// <paramref name="shift"/> floats past a 64-byte boundary. Also <see cref="AggregatorPairedBenchmark"/>'s input.</summary>
    internal static GradientBatch Input(string shape, int shift)
    {
        var parts = shape.Split('x');
        int n = int.Parse(parts[0], CultureInfo.InvariantCulture);
        int d = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var stream = RandomStreams.Derive(1, "bench.aggregation");
        var data = AlignedFloats.Allocate(n * d + shift).Memory[shift..];
        var values = data.Span;
        for (int k = 0; k < values.Length; k++) values[k] = (float)stream.NextNormal(0.01, 1.0);
        return new GradientBatch(data, n, d);
    }

    /// <summary>The context every rule gets here: a zero model of dimension <paramref name="d"/>, learning rate 0.1 and the
    /// validation oracle Zeno and AFLGuard need. Also <see cref="AggregatorPairedBenchmark"/>'s.</summary>
    internal static AggregationContext Context(int d)
        => new() { Model = new float[d], LearningRate = 0.1, Oracle = new CenteredQuadraticOracle(d) };

    private double ParallelSum() => ParallelSum(_data, _partials);

    /// <summary>Sum of <paramref name="data"/> on all cores: one fixed slice per entry of <paramref name="partials"/> (one
    /// per core), partial sums added in slice order. Also <see cref="AggregatorPairedBenchmark"/>'s all-thread floor.</summary>
    internal static double ParallelSum(ReadOnlyMemory<float> data, double[] partials)
    {
        int parts = partials.Length;
        Parallel.For(0, parts, p =>
        {
            long length = data.Length;
            int from = (int)(length * p / parts), to = (int)(length * (p + 1) / parts);
            partials[p] = TensorPrimitives.Sum(data.Span.Slice(from, to - from));
        });
        double s = 0;
        foreach (double partial in partials) s += partial;
        return s;
    }

    /// <summary>
    /// <see cref="ParallelSum(ReadOnlyMemory{float}, double[])"/>'s slices read in blocks of 16 384 floats (64 KB), each block's
    /// sum added in the order read: from the slice's first block when <paramref name="backwards"/> is false, from its last
    /// when true. Called alternately both ways, each call starts on the blocks the call before read last.
    /// </summary>
    internal static double AlternatingSum(ReadOnlyMemory<float> data, double[] partials, bool backwards)
    {
        const int Block = 16384;
        int parts = partials.Length;
        Parallel.For(0, parts, p =>
        {
            long length = data.Length;
            int from = (int)(length * p / parts), to = (int)(length * (p + 1) / parts);
            var slice = data.Span.Slice(from, to - from);
            int blocks = (slice.Length + Block - 1) / Block;
            double s = 0;
            for (int k = 0; k < blocks; k++)
            {
                int b = backwards ? blocks - 1 - k : k;
                int start = b * Block;
                s += TensorPrimitives.Sum(slice.Slice(start, Math.Min(Block, slice.Length - start)));
            }
            partials[p] = s;
        });
        double total = 0;
        foreach (double partial in partials) total += partial;
        return total;
    }

    /// <summary>
    /// The compute floor of all pairwise distances: <paramref name="fmas"/> float32 fused multiply-adds
    /// (n(n−1)/2·d, one per pair and coordinate, as in a Gram matrix x·xᵀ) at this machine's peak rate,
    /// split evenly over all cores, on register-resident accumulators (no memory traffic at all). No
    /// exact distance kernel can beat it; a difference-then-square kernel without fusion issues two
    /// additions and a multiplication per pair and coordinate instead.
    /// </summary>
    /// <remarks>Two widths: 256-bit FMAs, and 512-bit ones (<c>floor:fma-peak-pairs-512</c>, where 512-bit vectors are
    /// accelerated). A core with two 512-bit FMA pipes (Intel Xeon) does twice the lanes per cycle at 512 bits; one that
    /// splits a 512-bit operation in two halves (AMD Zen 4) does the same. The compute floor is the faster of the two.</remarks>
    private double FmaPeak(long fmas, bool wide) => OnAllCores(fmas, wide, FmaLoop, FmaLoop512);

    /// <summary>
    /// A compute floor's <paramref name="work"/> split evenly over all cores (one part per entry of the partials), each part
    /// run by <paramref name="loop512"/> when <paramref name="wide"/> and 512-bit vectors are accelerated, else by
    /// <paramref name="loop256"/>; the parts' results added in part order (returned so that no loop is dead code).
    /// </summary>
    private double OnAllCores(long work, bool wide, Func<long, double> loop256, Func<long, double> loop512)
    {
        int parts = _partials.Length;
        long perPart = work / parts;
        var loop = wide && Vector512.IsHardwareAccelerated ? loop512 : loop256;
        Parallel.For(0, parts, p => _partials[p] = loop(perPart));
        double s = 0;
        foreach (double partial in _partials) s += partial;
        return s;
    }

    private static double FmaLoop(long fmas)
    {
        // 12 independent accumulators hide the FMA latency on two pipes; each step is 12 vector FMAs.
        int lanes = Vector256<float>.Count;
        long steps = fmas / (12L * lanes);
        var m = Vector256.Create(0.999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
        for (long s = 0; s < steps; s++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c);
            a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        var t = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector256.Sum(t);
    }

    private static double FmaLoop512(long fmas)
    {
        // As FmaLoop, 16 lanes per FMA.
        int lanes = Vector512<float>.Count;
        long steps = fmas / (12L * lanes);
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
        for (long s = 0; s < steps; s++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c);
            a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c);
            a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c);
            a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c);
            a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        var t = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector512.Sum(t);
    }

    /// <summary>
    /// The fewest comparators of a full sort of <paramref name="n"/> wires among the two constructions SimByz has (Batcher's
    /// odd–even merge sort and Parberry's pairwise network, each restricted to n wires): 1 077 at n = 100, 97 at n = 20.
    /// </summary>
    internal static long SortComparators(int n) => Math.Min(
        SortingNetwork.Build(n, _ => true, SortingNetwork.Construction.OddEvenMerge).ComparatorCount,
        SortingNetwork.Build(n, _ => true, SortingNetwork.Construction.Pairwise).ComparatorCount);

    /// <summary>
    /// The compute floor of a rule that sorts every coordinate's n values (meamed; Bulyan's second stage sorts θ = n − 2f):
    /// <paramref name="comparatorLanes"/> comparators, each a vector minimum and maximum (<c>MinNative</c>/<c>MaxNative</c>,
    /// the instructions the compiled networks use) on one lane, at this machine's peak rate, split evenly over all cores, on
    /// register-resident wires (no loads, stores or spills, no reduction afterwards). No rule that sorts each coordinate's
    /// values with these networks can beat it; it is a floor for SimByz's networks, not for sorting (fewer comparators are
    /// known for some n).
    /// </summary>
    /// <remarks>Two widths, as <see cref="FmaPeak"/>: 256-bit and (<c>floor:minmax-peak-sort-512</c>, where accelerated)
    /// 512-bit vectors; the compute floor is the faster of the two.</remarks>
    private double MinMaxPeak(long comparatorLanes, bool wide) => OnAllCores(comparatorLanes, wide,
        MinMaxLoop<Wires256, Vector256<float>>, MinMaxLoop<Wires512, Vector512<float>>);

    /// <summary>
    /// <paramref name="comparatorLanes"/> / lanes comparators on 12 wires (they and the temporaries fit AVX2's 16 registers):
    /// 6 independent comparators per half step, the adjacent pairs then the pairs two apart, as a network's layers are.
    /// Generic over the vector width through <typeparamref name="TWires"/> (a struct: the JIT compiles each width apart).
    /// </summary>
    private static double MinMaxLoop<TWires, TV>(long comparatorLanes)
        where TWires : struct, IWires<TV>
        where TV : struct
    {
        long steps = comparatorLanes / (12L * TWires.Lanes);
        TV w0 = TWires.Create(0f), w1 = TWires.Create(11f), w2 = TWires.Create(2f), w3 = TWires.Create(9f), w4 = TWires.Create(4f),
            w5 = TWires.Create(7f), w6 = TWires.Create(6f), w7 = TWires.Create(5f), w8 = TWires.Create(8f), w9 = TWires.Create(3f),
            w10 = TWires.Create(10f), w11 = TWires.Create(1f);
        for (long s = 0; s < steps; s++)
        {
            Compare(ref w0, ref w1); Compare(ref w2, ref w3); Compare(ref w4, ref w5);
            Compare(ref w6, ref w7); Compare(ref w8, ref w9); Compare(ref w10, ref w11);
            Compare(ref w0, ref w2); Compare(ref w1, ref w3); Compare(ref w4, ref w6);
            Compare(ref w5, ref w7); Compare(ref w8, ref w10); Compare(ref w9, ref w11);
        }
        var t = TWires.Add(TWires.Add(TWires.Add(w0, w1), TWires.Add(w2, w3)), TWires.Add(TWires.Add(w4, w5), TWires.Add(w6, w7)));
        return TWires.Sum(TWires.Add(t, TWires.Add(TWires.Add(w8, w9), TWires.Add(w10, w11))));

        static void Compare(ref TV a, ref TV b)
        {
            var low = TWires.Min(a, b);
            b = TWires.Max(a, b);
            a = low;
        }
    }

    /// <summary>The operations <see cref="MinMaxLoop{TWires, TV}"/> needs on one vector width.</summary>
    private interface IWires<TV>
        where TV : struct
    {
        static abstract int Lanes { get; }

        static abstract TV Create(float value);

        static abstract TV Min(TV a, TV b);

        static abstract TV Max(TV a, TV b);

        static abstract TV Add(TV a, TV b);

        static abstract float Sum(TV v);
    }

    private readonly struct Wires256 : IWires<Vector256<float>>
    {
        public static int Lanes => Vector256<float>.Count;

        public static Vector256<float> Create(float value) => Vector256.Create(value);

        public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);

        public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);

        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    }

    private readonly struct Wires512 : IWires<Vector512<float>>
    {
        public static int Lanes => Vector512<float>.Count;

        public static Vector512<float> Create(float value) => Vector512.Create(value);

        public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.MinNative(a, b);

        public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);

        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    }

    /// <summary>f(x) = ½‖x − 1‖²: a validation oracle that costs one pass over d (Zeno's scores).</summary>
    private sealed class CenteredQuadraticOracle(int dimension) : IValidationOracle
    {
        public int Dimension => dimension;

        public double Loss(ReadOnlySpan<float> parameters)
        {
            double s = 0;
            foreach (float x in parameters) s += (x - 1.0) * (x - 1.0);
            return 0.5 * s;
        }

        public double LossAndGradient(ReadOnlySpan<float> parameters, Span<float> gradient)
        {
            for (int j = 0; j < parameters.Length; j++) gradient[j] = parameters[j] - 1f;
            return Loss(parameters);
        }
    }
}
