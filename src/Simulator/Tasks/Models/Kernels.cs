using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks.Models;

/// <summary>
/// The deterministic building blocks the managed models share.
/// </summary>
/// <remarks>
/// Every reduction goes through <see cref="DetVec"/> (fixed order, float64 accumulation); updates of
/// the form y ← y + a·x round the product and then the sum in float32 (never fused: the JIT does not
/// contract separate multiply and add, and no FMA API is called), element by element, so the result is
/// the same on every vector width (checked by the golden-hash tests run with
/// <c>DOTNET_EnableHWIntrinsic=0</c>); exp/log come from <see cref="DetMath"/>.
/// </remarks>
internal static class Kernels
{
    /// <summary>
    /// y ← y + a·x element-wise in float32: the product is rounded, then the sum (two roundings,
    /// never fused). Fixed-width 512-, 256- and 128-bit lanes and a scalar tail compute the same
    /// per-element operations, so the result does not depend on the hardware.
    /// </summary>
    public static void AddScaled(Span<float> y, ReadOnlySpan<float> x, float a)
    {
        if (x.Length != y.Length) throw new ArgumentException("lengths differ");
        int n = y.Length, i = 0;
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rx = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated)
        {
            // The same per-element product then sum, sixteen lanes at a time: the same bits as the 8-lane loop.
            var wa = Vector512.Create(a);
            for (; i <= n - 16; i += 16)
            {
                var product = Vector512.LoadUnsafe(ref rx, (nuint)i) * wa;
                (Vector512.LoadUnsafe(ref ry, (nuint)i) + product).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        var va = Vector256.Create(a);
        for (; i <= n - 8; i += 8)
        {
            var product = Vector256.LoadUnsafe(ref rx, (nuint)i) * va;
            (Vector256.LoadUnsafe(ref ry, (nuint)i) + product).StoreUnsafe(ref ry, (nuint)i);
        }
        if (i <= n - 4)
        {
            // Four more lanes, the same per-element product then sum (short rows: the features of a small model).
            var product = Vector128.LoadUnsafe(ref rx, (nuint)i) * Vector128.Create(a);
            (Vector128.LoadUnsafe(ref ry, (nuint)i) + product).StoreUnsafe(ref ry, (nuint)i);
            i += 4;
        }
        for (; i < n; i++)
        {
            float product = x[i] * a;
            y[i] += product;
        }
    }

    /// <summary>
    /// y ← (((y + a₀x₀) + a₁x₁) + a₂x₂) + a₃x₃ element-wise, each product and each sum rounded to
    /// float32: bit-identical to four successive <see cref="AddScaled(Span{float}, ReadOnlySpan{float}, float)"/>
    /// calls, with one load and store of y instead of four.
    /// </summary>
    public static void AddScaled4(Span<float> y, ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> x3,
        float a0, float a1, float a2, float a3)
    {
        int n = y.Length, i = 0;
        if (x0.Length != n || x1.Length != n || x2.Length != n || x3.Length != n) throw new ArgumentException("lengths differ");
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float r1 = ref MemoryMarshal.GetReference(x1);
        ref float r2 = ref MemoryMarshal.GetReference(x2);
        ref float r3 = ref MemoryMarshal.GetReference(x3);
        if (Vector512.IsHardwareAccelerated)
        {
            // Sixteen lanes at a time, each element through the same product-then-sum sequence: the same bits.
            Vector512<float> w0 = Vector512.Create(a0), w1 = Vector512.Create(a1), w2 = Vector512.Create(a2), w3 = Vector512.Create(a3);
            for (; i <= n - 16; i += 16)
            {
                var acc = Vector512.LoadUnsafe(ref ry, (nuint)i);
                var p0 = Vector512.LoadUnsafe(ref r0, (nuint)i) * w0;
                acc += p0;
                var p1 = Vector512.LoadUnsafe(ref r1, (nuint)i) * w1;
                acc += p1;
                var p2 = Vector512.LoadUnsafe(ref r2, (nuint)i) * w2;
                acc += p2;
                var p3 = Vector512.LoadUnsafe(ref r3, (nuint)i) * w3;
                acc += p3;
                acc.StoreUnsafe(ref ry, (nuint)i);
            }
        }
        Vector256<float> v0 = Vector256.Create(a0), v1 = Vector256.Create(a1), v2 = Vector256.Create(a2), v3 = Vector256.Create(a3);
        for (; i <= n - 8; i += 8)
        {
            var acc = Vector256.LoadUnsafe(ref ry, (nuint)i);
            var p0 = Vector256.LoadUnsafe(ref r0, (nuint)i) * v0;
            acc += p0;
            var p1 = Vector256.LoadUnsafe(ref r1, (nuint)i) * v1;
            acc += p1;
            var p2 = Vector256.LoadUnsafe(ref r2, (nuint)i) * v2;
            acc += p2;
            var p3 = Vector256.LoadUnsafe(ref r3, (nuint)i) * v3;
            acc += p3;
            acc.StoreUnsafe(ref ry, (nuint)i);
        }
        if (i <= n - 4)
        {
            // Four more lanes through the same sequence (short rows: the features of a small model).
            var acc = Vector128.LoadUnsafe(ref ry, (nuint)i);
            var p0 = Vector128.LoadUnsafe(ref r0, (nuint)i) * Vector128.Create(a0);
            acc += p0;
            var p1 = Vector128.LoadUnsafe(ref r1, (nuint)i) * Vector128.Create(a1);
            acc += p1;
            var p2 = Vector128.LoadUnsafe(ref r2, (nuint)i) * Vector128.Create(a2);
            acc += p2;
            var p3 = Vector128.LoadUnsafe(ref r3, (nuint)i) * Vector128.Create(a3);
            acc += p3;
            acc.StoreUnsafe(ref ry, (nuint)i);
            i += 4;
        }
        for (; i < n; i++)
        {
            float acc = y[i];
            float p0 = x0[i] * a0;
            acc += p0;
            float p1 = x1[i] * a1;
            acc += p1;
            float p2 = x2[i] * a2;
            acc += p2;
            float p3 = x3[i] * a3;
            acc += p3;
            y[i] = acc;
        }
    }

    /// <summary>
    /// y ← y + Σ_k c_k · M[row_k] over k = 0, 1, … in order, skipping zero coefficients, each term
    /// added as by <see cref="AddScaled(Span{float}, ReadOnlySpan{float}, float)"/> (blocks of four
    /// share one pass over y, same roundings). M is row-major with rows of y's length.
    /// <paramref name="rowScratch"/> and <paramref name="coefficientScratch"/> hold at least rows.Length entries.
    /// </summary>
    public static void AccumulateRows(Span<float> y, ReadOnlySpan<float> matrix, ReadOnlySpan<int> rows, ReadOnlySpan<float> coefficients,
        Span<int> rowScratch, Span<float> coefficientScratch)
    {
        int stride = y.Length, m = 0;
        // The nonzero coefficients compacted without a branch per entry: which deltas are zero follows the data (ReLU),
        // a pattern a branch predictor cannot learn across fresh minibatches. Entry k is always written at slot m ≤ k and
        // kept only when nonzero (NaN is kept, as before).
        for (int k = 0; k < rows.Length; k++)
        {
            float c = coefficients[k];
            rowScratch[m] = rows[k];
            coefficientScratch[m] = c;
            m += Unsafe.BitCast<bool, byte>(c != 0f);
        }
        int t = 0;
        for (; t + 4 <= m; t += 4)
        {
            AddScaled4(y,
                matrix.Slice(rowScratch[t] * stride, stride), matrix.Slice(rowScratch[t + 1] * stride, stride),
                matrix.Slice(rowScratch[t + 2] * stride, stride), matrix.Slice(rowScratch[t + 3] * stride, stride),
                coefficientScratch[t], coefficientScratch[t + 1], coefficientScratch[t + 2], coefficientScratch[t + 3]);
        }
        for (; t < m; t++) AddScaled(y, matrix.Slice(rowScratch[t] * stride, stride), coefficientScratch[t]);
    }

    /// <summary>
    /// destination[k] = pre[k] &gt; 0 ? values[k] : +0 (so a NaN or −0 in <paramref name="pre"/> gives +0): ReLU with
    /// <paramref name="values"/> = <paramref name="pre"/>, its derivative's mask otherwise. Selects only, in 512-, 256- and
    /// 128-bit lanes and a scalar tail, so the same bits on every vector width, and no branch per element (the pattern
    /// follows the data). <paramref name="destination"/> may be <paramref name="values"/> or <paramref name="pre"/> (the same
    /// start) but must not overlap either at an offset: the scalar tail would then read what the lanes wrote, and the result
    /// would depend on the vector width.
    /// </summary>
    public static void KeepWherePositive(ReadOnlySpan<float> pre, ReadOnlySpan<float> values, Span<float> destination)
    {
        int n = destination.Length, k = 0;
        if (pre.Length < n || values.Length < n) throw new ArgumentException("pre or values shorter than the destination");
        ReadOnlySpan<float> written = destination;
        if ((written.Overlaps(pre, out int fromPre) && fromPre != 0) || (written.Overlaps(values, out int fromValues) && fromValues != 0))
        {
            throw new ArgumentException("the destination overlaps pre or values at an offset", nameof(destination));
        }
        ref float rp = ref MemoryMarshal.GetReference(pre);
        ref float rv = ref MemoryMarshal.GetReference(values);
        ref float rd = ref MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k + 16 <= n; k += 16)
            {
                var keep = Vector512.GreaterThan(Vector512.LoadUnsafe(ref rp, (nuint)k), Vector512<float>.Zero);
                Vector512.ConditionalSelect(keep, Vector512.LoadUnsafe(ref rv, (nuint)k), Vector512<float>.Zero).StoreUnsafe(ref rd, (nuint)k);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k + 8 <= n; k += 8)
            {
                var keep = Vector256.GreaterThan(Vector256.LoadUnsafe(ref rp, (nuint)k), Vector256<float>.Zero);
                Vector256.ConditionalSelect(keep, Vector256.LoadUnsafe(ref rv, (nuint)k), Vector256<float>.Zero).StoreUnsafe(ref rd, (nuint)k);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; k + 4 <= n; k += 4)
            {
                var keep = Vector128.GreaterThan(Vector128.LoadUnsafe(ref rp, (nuint)k), Vector128<float>.Zero);
                Vector128.ConditionalSelect(keep, Vector128.LoadUnsafe(ref rv, (nuint)k), Vector128<float>.Zero).StoreUnsafe(ref rd, (nuint)k);
            }
        }
        for (; k < n; k++) destination[k] = pre[k] > 0 ? values[k] : 0f;
    }

    /// <summary>
    /// result[i] = W[i]·x + bias[i] for the <paramref name="result"/>.Length rows of W (row-major,
    /// rows of x's length), each dot product bit-identical to <see cref="DetVec.Dot"/>: four rows
    /// share each load of x and keep their own accumulators in DetVec's order (8 float64 lanes, lanes
    /// summed 0..7, then the tail in index order), which only removes the dependency chain.
    /// </summary>
    public static void MatVec(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<double> result)
    {
        int n = x.Length, rows = result.Length, i = 0;
        if (weights.Length < rows * n || bias.Length < rows) throw new ArgumentException("weights or bias too short");
        for (; i + 4 <= rows; i += 4)
        {
            Dot4(weights.Slice(i * n, n), weights.Slice((i + 1) * n, n), weights.Slice((i + 2) * n, n), weights.Slice((i + 3) * n, n), x, result.Slice(i, 4));
            for (int k = 0; k < 4; k++) result[i + k] += bias[i + k];
        }
        for (; i < rows; i++) result[i] = DetVec.Dot(weights.Slice(i * n, n), x) + bias[i];
    }

    private static void Dot4(ReadOnlySpan<float> w0, ReadOnlySpan<float> w1, ReadOnlySpan<float> w2, ReadOnlySpan<float> w3, ReadOnlySpan<float> x, Span<double> result)
    {
        int n = x.Length, blocks = n & ~7;
        if (Avx512F.IsSupported)
        {
            Dot4Wide(w0, w1, w2, w3, x, result);
            return;
        }
        Vector256<double> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float r0 = ref MemoryMarshal.GetReference(w0);
        ref float r1 = ref MemoryMarshal.GetReference(w1);
        ref float r2 = ref MemoryMarshal.GetReference(w2);
        ref float r3 = ref MemoryMarshal.GetReference(w3);
        for (int i = 0; i < blocks; i += 8)
        {
            var vx = Vector256.LoadUnsafe(ref rx, (nuint)i);
            var (lo0, hi0) = Vector256.Widen(Vector256.LoadUnsafe(ref r0, (nuint)i) * vx);
            a0 += lo0;
            b0 += hi0;
            var (lo1, hi1) = Vector256.Widen(Vector256.LoadUnsafe(ref r1, (nuint)i) * vx);
            a1 += lo1;
            b1 += hi1;
            var (lo2, hi2) = Vector256.Widen(Vector256.LoadUnsafe(ref r2, (nuint)i) * vx);
            a2 += lo2;
            b2 += hi2;
            var (lo3, hi3) = Vector256.Widen(Vector256.LoadUnsafe(ref r3, (nuint)i) * vx);
            a3 += lo3;
            b3 += hi3;
        }
        result[0] = Finish(a0, b0, w0, x, blocks);
        result[1] = Finish(a1, b1, w1, x, blocks);
        result[2] = Finish(a2, b2, w2, x, blocks);
        result[3] = Finish(a3, b3, w3, x, blocks);
    }

    /// <summary>
    /// <see cref="Dot4"/> with the eight float64 lanes of each dot product in one 512-bit register: each block's
    /// eight float32 products are widened together (<c>vcvtps2pd zmm</c>) and added lane by lane, the same
    /// operations on the same lanes as the two 256-bit halves, so the same bits.
    /// </summary>
    private static void Dot4Wide(ReadOnlySpan<float> w0, ReadOnlySpan<float> w1, ReadOnlySpan<float> w2, ReadOnlySpan<float> w3, ReadOnlySpan<float> x, Span<double> result)
    {
        int n = x.Length, blocks = n & ~7;
        Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float r0 = ref MemoryMarshal.GetReference(w0);
        ref float r1 = ref MemoryMarshal.GetReference(w1);
        ref float r2 = ref MemoryMarshal.GetReference(w2);
        ref float r3 = ref MemoryMarshal.GetReference(w3);
        for (int i = 0; i < blocks; i += 8)
        {
            var vx = Vector256.LoadUnsafe(ref rx, (nuint)i);
            a0 += Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref r0, (nuint)i) * vx);
            a1 += Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref r1, (nuint)i) * vx);
            a2 += Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref r2, (nuint)i) * vx);
            a3 += Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref r3, (nuint)i) * vx);
        }
        result[0] = Finish(a0, w0, x, blocks);
        result[1] = Finish(a1, w1, x, blocks);
        result[2] = Finish(a2, w2, x, blocks);
        result[3] = Finish(a3, w3, x, blocks);
    }

    /// <summary>
    /// Z[e, j] = W[j]·X[rows[e]] + bias[j] for every input e (row <c>rows[e]</c> of <paramref name="inputs"/>, rows of
    /// fan-in length) and every unit j: the matrix product of a whole minibatch with the layer's weights.
    /// <paramref name="result"/> is inputs × units, row-major. Every element is bit-identical to
    /// <see cref="MatVec"/> of that input alone (and so to <see cref="DetVec.Dot"/> plus the bias): each keeps its
    /// own eight float64 lanes in DetVec's order whatever the number of inputs batched. Blocks of two inputs ×
    /// four units share every load of weights and inputs (with AVX-512; otherwise each input goes through MatVec).
    /// </summary>
    public static void MatMul(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> inputs, ReadOnlySpan<int> rows, Span<double> result)
    {
        int count = rows.Length;
        if (count == 0) return;
        int units = result.Length / count;
        if (units * count != result.Length || units > bias.Length) throw new ArgumentException("result is not inputs × units, or bias too short");
        int n = units == 0 ? 0 : weights.Length / units;
        if (units == 0) return;
        if (weights.Length != units * n) throw new ArgumentException("weights are not units × fan-in");
        int e = 0;
        if (Avx512F.IsSupported)
        {
            int unitBlocks = units & ~3;
            for (; e + 2 <= count; e += 2)
            {
                var x0 = inputs.Slice(rows[e] * n, n);
                var x1 = inputs.Slice(rows[e + 1] * n, n);
                var z0 = result.Slice(e * units, units);
                var z1 = result.Slice((e + 1) * units, units);
                for (int j = 0; j < unitBlocks; j += 4)
                {
                    Dot4x2(weights.Slice(j * n, 4 * n), n, x0, x1, z0.Slice(j, 4), z1.Slice(j, 4));
                    for (int k = 0; k < 4; k++)
                    {
                        z0[j + k] += bias[j + k];
                        z1[j + k] += bias[j + k];
                    }
                }
                for (int j = unitBlocks; j < units; j++)
                {
                    var w = weights.Slice(j * n, n);
                    z0[j] = DetVec.Dot(w, x0) + bias[j];
                    z1[j] = DetVec.Dot(w, x1) + bias[j];
                }
            }
        }
        for (; e < count; e++) MatVec(weights, bias, inputs.Slice(rows[e] * n, n), result.Slice(e * units, units));
    }

    /// <summary>Four weight rows (consecutive, <paramref name="n"/> long) against two inputs: eight dot products, each in DetVec's order.</summary>
    private static void Dot4x2(ReadOnlySpan<float> w, int n, ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, Span<double> z0, Span<double> z1)
    {
        int blocks = n & ~7;
        Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        ref float rw = ref MemoryMarshal.GetReference(w);
        ref float rx0 = ref MemoryMarshal.GetReference(x0);
        ref float rx1 = ref MemoryMarshal.GetReference(x1);
        nuint s1 = (nuint)n, s2 = 2 * (nuint)n, s3 = 3 * (nuint)n;
        for (int i = 0; i < blocks; i += 8)
        {
            nuint k = (nuint)i;
            var u0 = Vector256.LoadUnsafe(ref rx0, k);
            var u1 = Vector256.LoadUnsafe(ref rx1, k);
            var w0 = Vector256.LoadUnsafe(ref rw, k);
            var w1 = Vector256.LoadUnsafe(ref rw, s1 + k);
            var w2 = Vector256.LoadUnsafe(ref rw, s2 + k);
            var w3 = Vector256.LoadUnsafe(ref rw, s3 + k);
            a0 += Avx512F.ConvertToVector512Double(w0 * u0);
            b0 += Avx512F.ConvertToVector512Double(w0 * u1);
            a1 += Avx512F.ConvertToVector512Double(w1 * u0);
            b1 += Avx512F.ConvertToVector512Double(w1 * u1);
            a2 += Avx512F.ConvertToVector512Double(w2 * u0);
            b2 += Avx512F.ConvertToVector512Double(w2 * u1);
            a3 += Avx512F.ConvertToVector512Double(w3 * u0);
            b3 += Avx512F.ConvertToVector512Double(w3 * u1);
        }
        z0[0] = Finish(a0, w.Slice(0, n), x0, blocks);
        z1[0] = Finish(b0, w.Slice(0, n), x1, blocks);
        z0[1] = Finish(a1, w.Slice(n, n), x0, blocks);
        z1[1] = Finish(b1, w.Slice(n, n), x1, blocks);
        z0[2] = Finish(a2, w.Slice(2 * n, n), x0, blocks);
        z1[2] = Finish(b2, w.Slice(2 * n, n), x1, blocks);
        z0[3] = Finish(a3, w.Slice(3 * n, n), x0, blocks);
        z1[3] = Finish(b3, w.Slice(3 * n, n), x1, blocks);
    }

    private static double Finish(Vector512<double> lanes, ReadOnlySpan<float> w, ReadOnlySpan<float> x, int blocks)
    {
        double s = 0;
        for (int k = 0; k < 8; k++) s += lanes.GetElement(k);
        for (int i = blocks; i < x.Length; i++) s += (double)(w[i] * x[i]);
        return s;
    }

    private static double Finish(Vector256<double> lanes0to3, Vector256<double> lanes4to7, ReadOnlySpan<float> w, ReadOnlySpan<float> x, int blocks)
    {
        double s = 0;
        for (int k = 0; k < 4; k++) s += lanes0to3.GetElement(k);
        for (int k = 0; k < 4; k++) s += lanes4to7.GetElement(k);
        for (int i = blocks; i < x.Length; i++) s += (double)(w[i] * x[i]);
        return s;
    }

    /// <summary>Grows <paramref name="buffer"/> to at least <paramref name="length"/> (scratch kept across calls).</summary>
    public static T[] Ensure<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new T[Math.Max(length, 2 * buffer.Length)];
        return buffer;
    }

    /// <summary>
    /// Softmax cross-entropy of <paramref name="logits"/> with class <paramref name="label"/>, by the
    /// stable log-sum-exp: with m = max z, loss = m + log Σ exp(z_c − m) − z_y. When
    /// <paramref name="probabilities"/> is not empty it receives softmax(z) (computed from the same
    /// shifted exponentials).
    /// </summary>
    public static double SoftmaxCrossEntropy(ReadOnlySpan<double> logits, int label, Span<double> probabilities)
    {
        double m = double.NegativeInfinity;
        for (int c = 0; c < logits.Length; c++) if (logits[c] > m) m = logits[c];
        double s = 0;
        bool keep = !probabilities.IsEmpty;
        for (int c = 0; c < logits.Length; c++)
        {
            double e = DetMath.Exp(logits[c] - m);
            if (keep) probabilities[c] = e;
            s += e;
        }
        if (keep)
        {
            double inv = 1.0 / s;
            for (int c = 0; c < logits.Length; c++) probabilities[c] *= inv;
        }
        return m + DetMath.Log(s) - logits[label];
    }

    /// <summary>Index of the largest value; the lowest index wins ties.</summary>
    public static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = 0;
        for (int c = 1; c < values.Length; c++) if (values[c] > values[best]) best = c;
        return best;
    }

    /// <summary>Checks the shapes every call shares (programming errors, not user errors).</summary>
    public static void CheckCall(string model, int parameterCount, int featureCount, ReadOnlySpan<float> parameters, Dataset data, int rowCount)
    {
        if (parameters.Length != parameterCount)
        {
            throw new ArgumentException($"{model}: {parameters.Length} parameters given, the model has {parameterCount}", nameof(parameters));
        }
        if (data.FeatureCount != featureCount)
        {
            throw new ArgumentException($"{model}: the data has {data.FeatureCount} features, the model expects {featureCount}", nameof(data));
        }
        if (rowCount == 0) throw new ArgumentException($"{model}: no rows given (the loss is a mean over at least one example)");
    }

    /// <summary>Checks the gradient span's length.</summary>
    public static void CheckGradient(string model, int parameterCount, Span<float> gradient)
    {
        if (gradient.Length != parameterCount)
        {
            throw new ArgumentException($"{model}: gradient has length {gradient.Length}, the model has {parameterCount} parameters", nameof(gradient));
        }
    }

    /// <summary>Targets of a regression dataset, or a clear error.</summary>
    public static float[] RequireTargets(string model, Dataset data)
        => data.Targets ?? throw new ArgumentException($"{model} needs regression targets; the dataset has class labels");

    /// <summary>Labels of a classification dataset, or a clear error.</summary>
    public static int[] RequireLabels(string model, Dataset data)
        => data.Labels ?? throw new ArgumentException($"{model} needs class labels; the dataset has regression targets");

    /// <summary>Uniform on [−limit, limit), as float32, from <paramref name="rng"/>.</summary>
    public static void FillUniform(Span<float> values, double limit, RandomStream rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)((2.0 * rng.NextDouble() - 1.0) * limit);
    }
}
