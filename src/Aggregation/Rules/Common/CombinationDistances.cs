using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// One step of a direct Weiszfeld iteration in one pass over the data: the point
/// z = Σ wᵢvᵢ / D, formed exactly as <see cref="RowCombination"/> forms it (float64 sums, rows in index
/// order, one division, one rounding to float32), and the squared distances ‖vᵢ − z‖² of every row to
/// that float32 point, exactly as <see cref="PointDistances"/> forms them (<see cref="Blocking"/>'s
/// sub-blocks and chunks, <see cref="LaneKernels"/>' order). <see cref="Norms"/> gives the distances to
/// z = 0, the squared norms.
/// </summary>
/// <remarks>
/// The work is cut into pieces of <see cref="PieceLength"/> coordinates (many more than threads, so both
/// shapes of the benchmark balance): a piece forms its coordinates of z from the rows' runs, then, while
/// those runs are still in cache, each row's distance to z over every sub-block of the piece. Each
/// sub-block's sum is stored on its own (+0 + the sub-block's sum is that sum) and the sums are added
/// afterwards, sub-blocks in order within a chunk and chunks in order, which are exactly
/// <see cref="PointDistances"/>' additions: the bits depend on neither the piece length nor the threads.
/// Scratch, kept across calls: ⌈d/128⌉·n float64 sub-block sums, d float32 for z and n float64 distances; per thread
/// 8n float32 lanes and <see cref="PieceLength"/> float64 accumulators. Nothing is allocated per call once warm.
/// </remarks>
internal sealed unsafe class CombinationDistances : IChunkJob
{
    /// <summary>Coordinates per work item: a multiple of <see cref="Blocking.SubBlock"/> dividing <see cref="Blocking.ChunkLength"/>.</summary>
    internal const int PieceLength = 16 * Blocking.SubBlock;

    [ThreadStatic]
    private static double[]? t_accumulator;
    private double[] _subSums = [];
    private double[] _activeWeights = [];
    private long[] _activeOffsets = [];
    private int _active;
    private bool _unit;
    private double _denominator;
    private bool _norms;
    private GradientBatch? _input;
    private float[] _point = [];
    private int _d;

    /// <summary>‖vᵢ − z‖² of the last call, index i.</summary>
    public double[] Squared { get; private set; } = [];

    /// <summary>The point z of the last <see cref="Step"/> (all zeros after <see cref="Norms"/>).</summary>
    public ReadOnlySpan<float> Point => _point.AsSpan(0, _d);

    /// <summary>Fills <see cref="Squared"/>[i] = ‖vᵢ‖² (the distance to z = 0); <paramref name="order"/>: the pieces' order (speed only).</summary>
    public void Norms(GradientBatch input, ChunkOrder order = ChunkOrder.Ascending)
    {
        _norms = true;
        Run(input, order);
    }

    /// <summary>
    /// Forms z = Σ weightsᵢ·vᵢ / <paramref name="denominator"/> (rows of weight exactly 0 skipped, as in
    /// <see cref="RowCombination"/>) into <see cref="Point"/> and fills <see cref="Squared"/>[i] = ‖vᵢ − z‖².
    /// <paramref name="order"/>: the pieces' order (speed only: every piece keeps its own sums, added in piece order).
    /// </summary>
    public void Step(GradientBatch input, ReadOnlySpan<double> weights, double denominator, ChunkOrder order = ChunkOrder.Ascending)
    {
        int n = input.Count, d = input.Dimension;
        if (_activeWeights.Length < n)
        {
            _activeWeights = new double[n];
            _activeOffsets = new long[n];
        }
        _denominator = denominator;
        _active = RowCombination.ListActive(weights[..n], d, _activeWeights, _activeOffsets, out _unit);
        _norms = false;
        Run(input, order);
    }

    private void Run(GradientBatch input, ChunkOrder order)
    {
        int n = input.Count, d = input.Dimension;
        int subBlocks = (d + Blocking.SubBlock - 1) / Blocking.SubBlock;
        if (_subSums.Length < (long)subBlocks * n) _subSums = new double[(long)subBlocks * n];
        if (_point.Length < d) _point = new float[d];
        if (Squared.Length < n) Squared = new double[n];
        _d = d;
        _input = input;
        try
        {
            ChunkRunner.Run(this, (d + PieceLength - 1) / PieceLength, order);
        }
        finally
        {
            _input = null;
        }
        // Sub-block sums into chunk sums, chunk sums into the distance, each left to right from +0. A chunk's sum is
        // gathered in place in its first sub-block's slot (+0 + s = s for every sub-block sum s, all ≥ +0 or NaN), so
        // nothing is allocated per call.
        Span<double> squared = Squared.AsSpan(0, n);
        squared.Clear();
        int perChunk = Blocking.ChunkLength / Blocking.SubBlock;
        for (int first = 0; first < subBlocks; first += perChunk)
        {
            Span<double> chunkSum = _subSums.AsSpan(first * n, n);
            int last = Math.Min(subBlocks, first + perChunk);
            for (int b = first + 1; b < last; b++)
            {
                ReadOnlySpan<double> sums = _subSums.AsSpan(b * n, n);
                for (int i = 0; i < n; i++) chunkSum[i] += sums[i];
            }
            for (int i = 0; i < n; i++) squared[i] += chunkSum[i];
        }
    }

    public void RunChunk(int piece)
    {
        var input = _input!;
        int n = input.Count, d = input.Dimension;
        ReadOnlySpan<float> data = input.Data;
        ref float r0 = ref MemoryMarshal.GetReference(data);
        int start = piece * PieceLength, end = Math.Min(d, start + PieceLength);
        ref float rz = ref MemoryMarshal.GetArrayDataReference(_point);
        if (_norms)
        {
            _point.AsSpan(start, end - start).Clear();
        }
        else
        {
            FormPoint(ref r0, data, start, end, ref rz);
        }

        // The rows' runs were just read to form z (still in cache); for the norms they come from memory, so small
        // batches (up to PairwiseDistances.PrefetchRows rows) ask for each row's next sub-block ahead, as PointDistances does (speed only).
        bool prefetch = _norms && n <= PairwiseDistances.PrefetchRows && Sse.IsSupported;
        ReadOnlySpan<float> point = _point.AsSpan(0, d);
        for (int s = start; s < end; s += Blocking.SubBlock)
        {
            int len = Math.Min(Blocking.SubBlock, end - s);
            Span<double> slot = _subSums.AsSpan(s / Blocking.SubBlock * n, n);
            slot.Clear();
            PointDistances.AddSubBlock(data, point, n, d, s, len, prefetch && s + 2 * Blocking.SubBlock <= end, slot);
        }
    }

    /// <summary>z over [start, end): RowCombination's sums, division and rounding (in MeanKernel where RowCombination uses it).</summary>
    private void FormPoint(ref float r0, ReadOnlySpan<float> data, int start, int end, ref float rz)
    {
        int m = _active;
        if (_unit ? MeanKernel.IsSupported : MeanKernel.RunsWeighted(m))
        {
            // AVX-512: the same sums with the accumulators in registers (MeanKernel), as RowCombination does.
            fixed (float* rows = data)
            fixed (long* o = _activeOffsets)
            fixed (double* w = _activeWeights)
            fixed (float* z = _point)
            {
                MeanKernel.SumRange(rows, o, w, _unit, m, start, end, _denominator, z);
            }
            return;
        }
        ReadOnlySpan<long> offsets = _activeOffsets.AsSpan(0, m);
        ReadOnlySpan<double> weights = _activeWeights.AsSpan(0, m);
        int len = (end - start) & ~7;
        var accumulator = (t_accumulator ??= new double[PieceLength]).AsSpan(0, len);
        accumulator.Clear();
        RowCombination.AccumulateRows(ref r0, offsets, weights, start, accumulator, _unit);
        RowCombination.Finish(accumulator, _denominator, data, offsets, weights, start, end, ref rz);
    }
}
