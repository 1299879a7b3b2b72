using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation;

/// <summary>Tensor building blocks shared by the rules, with the managed rules' numeric conventions.</summary>
/// <remarks>
/// <para>Conventions mirrored from the managed rules (src/Aggregation/Rules/Common): squares of float32
/// values are formed in float32 and summed in float64; a row whose squared norm is not finite (NaN,
/// ±∞, or an overflowing square) is non-finite and at distance +∞ from every row; weighted sums of
/// rows are formed in float64 and rounded once to float32.</para>
/// <para>Work over the d coordinates is cut into column blocks so that temporaries stay small (a few
/// MB on the CPU, where fresh multi-hundred-MB allocations cost more than the arithmetic; larger on
/// CUDA); each block's temporaries are freed by an inner dispose scope. Sums over blocks are float64.</para>
/// </remarks>
internal static class TensorOps
{
    private const long CpuBlockElements = 1L << 20;
    private const long CudaBlockElements = 1L << 26;

    /// <summary>
    /// The CPU budget of the pairwise-distance blocks: 4 M words at 2n words per column, i.e. at most
    /// 2 M differences per torch call (8 MB of float32 differences, 8 MB of squares, 16 MB of float64
    /// copy: each below glibc's largest mmap threshold, 32 MB, so freed blocks are reused rather than
    /// mapped afresh).
    /// </summary>
    private const long PairBlockElements = 4L << 20;

    /// <summary>Σⱼ xᵢⱼ² per row, squares in float32, sum in float64 (n, float64).</summary>
    public static Tensor SquaredNorms(Tensor x)
    {
        long n = x.shape[0];
        var acc = zeros(n, dtype: ScalarType.Float64, device: x.device);
        foreach (var (start, length) in Blocks(x, n))
        {
            using var scope = NewDisposeScope();
            acc.add_(x.narrow(1, start, length).square().sum(1, type: ScalarType.Float64));
        }
        return acc;
    }

    /// <summary>‖xᵢ − z‖² per row: differences and squares in float32, sums in float64 (n, float64).</summary>
    public static Tensor SquaredDistancesTo(Tensor x, Tensor z)
    {
        long n = x.shape[0];
        var acc = zeros(n, dtype: ScalarType.Float64, device: x.device);
        foreach (var (start, length) in Blocks(x, n))
        {
            using var scope = NewDisposeScope();
            var diff = x.narrow(1, start, length) - z.narrow(0, start, length).unsqueeze(0);
            acc.add_(diff.square().sum(1, type: ScalarType.Float64));
        }
        return acc;
    }

    /// <summary>True for rows whose squared norm is finite (n, bool).</summary>
    public static Tensor FiniteRows(Tensor x) => SquaredNorms(x).isfinite();

    /// <summary>
    /// n×n float64 squared distances: differences and squares in float32, sums in float64 (as
    /// DetVec.SquaredDistance); +∞ between a non-finite row and any row, 0 on the diagonal.
    /// </summary>
    /// <remarks>
    /// Pairs i &lt; j only, each row against the rows after it, in column blocks as wide as the
    /// <see cref="PairBlockElements"/> budget allows (few blocks: every torch call waits for libtorch's
    /// threads). Not the Gram form ‖a‖² + ‖b‖² − 2a·b of <c>torch.cdist</c>: a matrix product does not give
    /// a duplicated row exactly distance 0, which turns the managed rules' exact ties into different
    /// selections.
    /// </remarks>
    public static Tensor SquaredDistances(Tensor x, Tensor finite)
    {
        long n = x.shape[0];
        var acc = zeros(n, n, dtype: ScalarType.Float64, device: x.device);
        // Per column: up to n−1 float32 differences (then squares) and their float64 copy in the sum.
        foreach (var (start, length) in Blocks(x, 2 * n, PairBlockElements))
        {
            using var scope = NewDisposeScope();
            var block = x.narrow(1, start, length);
            for (long i = 0; i + 1 < n; i++)
            {
                var diff = block.narrow(0, i + 1, n - i - 1) - block[i].unsqueeze(0);
                acc[i].narrow(0, i + 1, n - i - 1).add_(diff.square().sum(1, type: ScalarType.Float64));
            }
        }
        acc = acc + acc.t();
        var bad = finite.logical_not();
        var pairBad = bad.unsqueeze(0).logical_or(bad.unsqueeze(1));
        acc.masked_fill_(pairBad, double.PositiveInfinity);
        acc.diagonal().fill_(0.0);
        return acc;
    }

    /// <summary>Σᵢ wᵢ·xᵢ in float64 (d, float64); rows of weight 0 never contribute (0·NaN is skipped).</summary>
    public static Tensor WeightedSum64(Tensor x, Tensor weights)
    {
        long d = x.shape[1];
        var w = weights.to_type(ScalarType.Float64);
        var rows = w.ne(0.0).nonzero().squeeze(1);
        var acc = zeros(d, dtype: ScalarType.Float64, device: x.device);
        long k = rows.shape[0];
        if (k == 0) return acc;
        bool all = k == x.shape[0];
        var wk = (all ? w : w.index_select(0, rows)).unsqueeze(0);
        foreach (var (start, length) in Blocks(x, 2 * k))
        {
            using var scope = NewDisposeScope();
            var columns = x.narrow(1, start, length);
            var block = (all ? columns : columns.index_select(0, rows)).to_type(ScalarType.Float64);
            acc.narrow(0, start, length).copy_(wk.matmul(block).squeeze(0));
        }
        return acc;
    }

    /// <summary>(Σᵢ wᵢ·xᵢ) / denominator in float64, rounded once to float32; rows of weight 0 never contribute.</summary>
    public static Tensor WeightedSum(Tensor x, Tensor weights, double denominator)
        => (WeightedSum64(x, weights) / denominator).to_type(ScalarType.Float32);

    /// <summary>Row i scaled by sᵢ (float64 product, one rounding), as a new n×d float32 tensor.</summary>
    public static Tensor ScaleRows(Tensor x, Tensor scale)
    {
        var result = empty_like(x);
        var s = scale.to_type(ScalarType.Float64).unsqueeze(1);
        foreach (var (start, length) in Blocks(x, 2 * x.shape[0]))
        {
            using var scope = NewDisposeScope();
            result.narrow(1, start, length).copy_(x.narrow(1, start, length).to_type(ScalarType.Float64) * s);
        }
        return result;
    }

    /// <summary>Mean of the rows flagged by the host mask (at least one), float64 accumulation.</summary>
    public static Tensor MeanOfRows(Tensor x, ReadOnlySpan<bool> selected, Device device)
    {
        var w = new double[selected.Length];
        int count = 0;
        for (int i = 0; i < selected.Length; i++)
        {
            if (!selected[i]) continue;
            w[i] = 1.0;
            count++;
        }
        return WeightedSum(x, tensor(w, device: device), count);
    }

    /// <summary>
    /// A per-column rule applied block by block: <paramref name="rule"/> maps an n×w column block of
    /// <paramref name="x"/> to its w float32 results, which are written into one d-vector. Each block's
    /// temporaries (sorts, float64 copies) are freed before the next, so they stay a few MB and the C
    /// allocator reuses them instead of mapping fresh pages for every call (whole-input sorts cost more in
    /// page faults than in sorting on this machine kind; docs/PERFORMANCE.md).
    /// </summary>
    public static Tensor ByColumnBlocks(Tensor x, Func<Tensor, Tensor> rule)
    {
        long n = x.shape[0];
        var result = empty(x.shape[1], dtype: ScalarType.Float32, device: x.device);
        // Per column: the sorted values (float32), their indices (int64) and a float64 copy, about 4n words.
        foreach (var (start, length) in Blocks(x, 4 * n))
        {
            using var scope = NewDisposeScope();
            result.narrow(0, start, length).copy_(rule(x.narrow(1, start, length)));
        }
        return result;
    }

    /// <summary>
    /// Copies <paramref name="values"/> into <paramref name="staging"/> (a CPU float32 tensor kept across
    /// calls, replaced when the shape changes) and returns it: one memcpy into memory already mapped.
    /// </summary>
    public static Tensor IntoStaging(ref Tensor? staging, ReadOnlySpan<float> values, long rows, long columns)
    {
        if (staging is null || staging.shape[0] != rows || staging.shape[1] != columns)
        {
            staging?.Dispose();
            staging = empty([rows, columns], ScalarType.Float32).DetachFromDisposeScope();
        }
        values.CopyTo(MemoryMarshal.Cast<byte, float>(staging.bytes));
        return staging;
    }

    /// <summary>A new CPU float32 tensor of the given shape holding <paramref name="values"/> (one memcpy).</summary>
    public static Tensor FromHost(ReadOnlySpan<float> values, long[] shape)
    {
        var t = empty(shape, ScalarType.Float32);
        values.CopyTo(MemoryMarshal.Cast<byte, float>(t.bytes));
        return t;
    }

    /// <summary>Copies a float32 tensor (any device) into <paramref name="destination"/> (one memcpy from host memory).</summary>
    public static void ToHost(Tensor t, Span<float> destination)
    {
        var host = t.to_type(ScalarType.Float32).cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(destination);
    }

    /// <summary>A host copy of a small float64 tensor.</summary>
    public static double[] ToHost(Tensor t) => t.to_type(ScalarType.Float64).cpu().data<double>().ToArray();

    /// <summary>A host copy of a small bool tensor.</summary>
    public static bool[] ToHostBool(Tensor t) => t.cpu().data<bool>().ToArray();

    /// <summary>Column blocks of <paramref name="x"/> such that a temporary of <paramref name="rowsPerColumn"/> values per column stays small.</summary>
    private static IEnumerable<(long Start, long Length)> Blocks(Tensor x, long rowsPerColumn, long cpuBudget = CpuBlockElements)
    {
        long d = x.shape[1];
        long budget = x.device_type == DeviceType.CUDA ? CudaBlockElements : cpuBudget;
        long width = Math.Clamp(budget / Math.Max(1, rowsPerColumn), 1, Math.Max(1, d));
        for (long start = 0; start < d; start += width) yield return (start, Math.Min(width, d - start));
    }
}
