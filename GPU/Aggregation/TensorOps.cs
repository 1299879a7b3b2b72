using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation;

/// <summary>Tensor building blocks shared by the rules, with the managed rules' numeric conventions.</summary>
/// <remarks>
/// Conventions mirrored from the managed rules (src/Aggregation/Rules/Common): squares of float32
/// values are formed in float32 and summed in float64; a row whose squared norm is not finite (NaN,
/// ±∞, or an overflowing square) is non-finite and at distance +∞ from every row; weighted sums of
/// rows are formed in float64 and rounded once to float32.
/// </remarks>
internal static class TensorOps
{
    /// <summary>Σⱼ xᵢⱼ² per row, squares in float32, sum in float64 (n, float64).</summary>
    public static Tensor SquaredNorms(Tensor x) => x.square().sum(1, type: ScalarType.Float64);

    /// <summary>True for rows whose squared norm is finite (n, bool).</summary>
    public static Tensor FiniteRows(Tensor x) => SquaredNorms(x).isfinite();

    /// <summary>
    /// n×n float64 squared distances: differences and squares in float32, sums in float64 (as
    /// DetVec.SquaredDistance); +∞ between a non-finite row and any row, 0 on the diagonal of finite rows.
    /// </summary>
    public static Tensor SquaredDistances(Tensor x, Tensor finite)
    {
        long n = x.shape[0];
        var rows = new Tensor[n];
        for (long i = 0; i < n; i++)
        {
            rows[i] = (x - x[i]).square().sum(1, type: ScalarType.Float64);
        }
        var d = stack(rows);
        var bad = finite.logical_not();
        var pairBad = bad.unsqueeze(0).logical_or(bad.unsqueeze(1));
        d = d.masked_fill(pairBad, double.PositiveInfinity);
        // A finite row's distance to itself is 0 (x − x = 0 exactly), so the diagonal needs no fix.
        return d;
    }

    /// <summary>(Σᵢ wᵢ·xᵢ) / denominator in float64, rounded once to float32; rows of weight 0 never contribute.</summary>
    public static Tensor WeightedSum(Tensor x, Tensor weights, double denominator)
    {
        var keep = weights.ne(0.0);
        var x64 = x.masked_fill(keep.logical_not().unsqueeze(1), 0f).to_type(ScalarType.Float64);
        var w = weights.to_type(ScalarType.Float64).masked_fill(keep.logical_not(), 0.0);
        return (w.matmul(x64) / denominator).to_type(ScalarType.Float32);
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

    /// <summary>Indices 0..n−1 ordered by (key, index) ascending: a stable sort of host keys.</summary>
    public static int[] StableOrder(ReadOnlySpan<double> keys)
    {
        var order = new int[keys.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var k = keys.ToArray();
        Array.Sort(order, (a, b) =>
        {
            int c = k[a].CompareTo(k[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }
}
