using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Centered clipping (Karimireddy, He, Jaggi, ICML 2021): starting from the previous round's output
/// v (zero at the first round and after <see cref="Reset"/>), repeat L times
/// v ← v + (1/n) Σᵢ cᵢ(vᵢ − v) with cᵢ = min(1, τ / ‖vᵢ − v‖); the result is v and is kept for the next round.
/// </summary>
/// <remarks>
/// <para>Parameters: <c>tau</c> = τ (default 100, the CIFAR runs of Karimireddy et al. and ByzFL's
/// default), <c>iters</c> = L (default 1). One variant (ByzFL and epfml/byzantine-robust-noniid-optimizer agree).</para>
/// <para>Arithmetic: ‖vᵢ − v‖ is computed blocked (<see cref="PointDistances"/>); the update is formed per
/// coordinate in float64 as v + (Σᵢ cᵢvᵢ − (Σᵢ cᵢ)·v)/n, rows in index order, rounded once to float32.
/// A distance of 0 gives cᵢ = 1. With AVX-512 and at most <see cref="MeanKernel.WeightedRowLimit"/> rows the
/// update's sums run in <see cref="MeanKernel"/> (the same products and sums in the same order, accumulators in registers).</para>
/// <para>Tolerance: none to check (the robustness bound depends on τ and the honest variance).</para>
/// <para>Non-finite input: a row whose distance to v is not finite contributes nothing (cᵢ = 0) but
/// still counts in 1/n, so v stays finite.</para>
/// <para>State: the v of the last call; the dimension must stay the same until <see cref="Reset"/>.
/// Diagnostics: scores ‖vᵢ − v‖ and weights cᵢ/n of the last iteration, iterations L.</para>
/// </remarks>
internal sealed class CenteredClippingRule : IAggregator, IChunkJob
{
    public static readonly ComponentInfo Info = new(
        "cc", "centered clipping around the previous output: v ← v + mean clip(vᵢ − v, τ), L times, v kept across rounds",
        "Karimireddy, He, Jaggi, ICML 2021 (ByzFL CenteredClipping)", "no per-call condition",
        [
            new("tau", "number > 0", "100", "clipping radius τ"),
            new("iters", "integer in [1, 10000]", "1", "iterations L per round"),
        ]);

    private readonly double _tau;
    private readonly int _iters;
    private readonly PointDistances _distances = new();
    private readonly MeanKernel _kernel = new();
    private readonly ParallelCopy _copy = new();
    private long[] _activeOffsets = [];
    private double[] _activeFactors = [];
    private int _active;
    private float[] _v = [];
    private float[] _next = [];
    private double[] _factors = [];
    private double _factorSum;
    private GradientBatch? _input;
    [ThreadStatic]
    private static double[]? t_accumulator;

    private CenteredClippingRule(double tau, int iters)
    {
        _tau = tau;
        _iters = iters;
    }

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext _)
        => new CenteredClippingRule(p.GetDouble("tau", 100, min: double.Epsilon), p.GetInt("iters", defaultValue: 1, min: 1, max: IterationLimit.Max));

    public string Spec => field ??= FormattableString.Invariant($"cc:tau={_tau:R},iters={_iters}");

    public void Reset()
    {
        _v = [];
        _next = [];
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count, d = input.Dimension;
        if (_v.Length == 0)
        {
            _v = new float[d];
            _next = new float[d];
        }
        else if (_v.Length != d)
        {
            throw new SimByzException($"{Spec}: input dimension changed from {_v.Length} to {d} without a reset");
        }
        if (_factors.Length < n) _factors = new double[n];
        // AVX-512: the update with the sums in registers (MeanKernel); its last pass also stores v in the output.
        bool fused = MeanKernel.RunsWeighted(n);
        for (int l = 0; l < _iters; l++)
        {
            _distances.Compute(input, _v);
            _factorSum = 0;
            for (int i = 0; i < n; i++)
            {
                double dist = Math.Sqrt(_distances.Squared[i]);
                double c = !double.IsFinite(dist) ? 0 : dist <= _tau ? 1 : _tau / dist;
                _factors[i] = c;
                _factorSum += c;
            }
            // The rows that reach v (cᵢ ≠ 0: a row at non-finite distance never does), once for either update loop.
            if (_activeOffsets.Length < n)
            {
                _activeOffsets = new long[n];
                _activeFactors = new double[n];
            }
            _active = 0;
            for (int i = 0; i < n; i++)
            {
                if (_factors[i] == 0) continue;
                _activeFactors[_active] = _factors[i];
                _activeOffsets[_active++] = (long)i * d;
            }
            if (fused)
            {
                // Descending, here and below: the distance pass's last chunks are read again first, while they are still in the caches.
                _kernel.RunCentered(input, _activeOffsets.AsSpan(0, _active), _activeFactors.AsSpan(0, _active), _factorSum, n, _v, _next,
                    l == _iters - 1 ? output : default, ChunkOrder.Descending);
            }
            else
            {
                _input = input;
                ChunkRunner.Run(this, Blocking.ChunkCount(d), ChunkOrder.Descending);
                _input = null;
            }
            (_v, _next) = (_next, _v);
        }
        if (!fused) _copy.Copy(_v, output);
        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            for (int i = 0; i < n; i++)
            {
                diagnostics.Scores[i] = Math.Sqrt(_distances.Squared[i]);
                diagnostics.Weights[i] = _factors[i] / n;
            }
            diagnostics.HasScores = diagnostics.HasWeights = true;
            diagnostics.Iterations = _iters;
        }
    }

    public void RunChunk(int chunk)
    {
        var input = _input!;
        int n = input.Count, d = input.Dimension;
        ReadOnlySpan<float> data = input.Data;
        ref float r0 = ref MemoryMarshal.GetReference(data);
        int start = chunk * Blocking.ChunkLength, end = Math.Min(d, start + Blocking.ChunkLength);
        int m = _active;
        ReadOnlySpan<double> factors = _activeFactors.AsSpan(0, m);
        ReadOnlySpan<long> offsets = _activeOffsets.AsSpan(0, m);
        var count = Vector256.Create((double)n);
        var csum = Vector256.Create(_factorSum);
        ref float rv = ref MemoryMarshal.GetArrayDataReference(_v);
        ref float rn = ref MemoryMarshal.GetArrayDataReference(_next);
        int len = (end - start) & ~7, vectorEnd = start + len;
        // Σᵢ cᵢvᵢ per coordinate in float64, rows in index order, into an accumulator for the chunk that
        // takes each row's run of the chunk in one sequential read, four rows at a time (the same sums as
        // a few coordinates of every row in turn, which reads n short runs and ran several times slower);
        // then v + (Σ − (Σc)·v)/n.
        var accumulator = (t_accumulator ??= new double[Blocking.ChunkLength]).AsSpan(0, len);
        accumulator.Clear();
        RowCombination.AccumulateRows(ref r0, offsets, factors, start, accumulator, unit: false);
        ref double ra = ref MemoryMarshal.GetReference(accumulator);
        for (int t = 0; t < len; t += 8)
        {
            int j0 = start + t;
            var (v0, v1) = Vector256.Widen(Vector256.LoadUnsafe(ref rv, (nuint)j0));
            var a0 = Vector256.LoadUnsafe(ref ra, (nuint)t);
            var a1 = Vector256.LoadUnsafe(ref ra, (nuint)(t + 4));
            Vector256.Narrow(v0 + (a0 - csum * v0) / count, v1 + (a1 - csum * v1) / count).StoreUnsafe(ref rn, (nuint)j0);
        }
        int j = vectorEnd;
        for (; j < end; j++)
        {
            double acc = 0;
            for (int r = 0; r < m; r++) acc += factors[r] * data[(int)(offsets[r] + j)];
            _next[j] = (float)(_v[j] + (acc - _factorSum * _v[j]) / n);
        }
    }
}
