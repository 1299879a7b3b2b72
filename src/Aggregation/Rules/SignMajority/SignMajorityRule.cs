using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// signSGD with majority vote (Bernstein, Zhao, Azizzadenesheli, Anandkumar, ICLR 2019): per coordinate,
/// the sign of the sum of the inputs' signs, sign(Σᵢ sign(v_ij)) ∈ {−1, 0, +1}.
/// </summary>
/// <remarks>
/// <para>The output is a sign vector, not a gradient estimate: the learning rate sets the step size, and
/// the rule is not the identity on n identical inputs (it returns their sign). A tie (as many + as −)
/// and sign(0) give 0. Counts are integers, so the result is exact and thread-independent.</para>
/// <para>Tolerance: q &lt; n/2 for the vote to be decided by the honest majority (the paper's
/// guarantee further needs unimodal, symmetric noise); nothing to check per call.</para>
/// <para>Non-finite input: NaN values do not vote; ±∞ vote with their sign.</para>
/// </remarks>
internal sealed class SignMajorityRule : IAggregator, IChunkJob
{
    private const int ChunkLength = 16384;

    public static readonly ComponentInfo Info = new(
        "sign-majority", "signSGD majority vote: per coordinate the sign of the sum of the input signs (output in {−1, 0, 1})",
        "Bernstein et al., ICLR 2019", "q < n/2", []);

    private float[] _result = [];
    private GradientBatch? _input;

    public static IAggregator Create(SpecParameters _) => new SignMajorityRule();

    public string Spec => "sign-majority";

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int d = input.Dimension;
        if (_result.Length < d) _result = new float[d];
        _input = input;
        ChunkRunner.Run(this, (d + ChunkLength - 1) / ChunkLength);
        _input = null;
        _result.AsSpan(0, d).CopyTo(output);
        diagnostics?.Reset(input.Count);
    }

    public void RunChunk(int chunk)
    {
        var input = _input!;
        int n = input.Count, d = input.Dimension;
        ReadOnlySpan<float> data = input.Data;
        ref float r0 = ref MemoryMarshal.GetReference(data);
        int start = chunk * ChunkLength, end = Math.Min(d, start + ChunkLength);
        int vectorEnd = start + ((end - start) & ~7);
        var one = Vector256.Create(1f);
        for (int j = start; j < vectorEnd; j += 8)
        {
            var votes = Vector256<int>.Zero;
            for (int i = 0; i < n; i++)
            {
                var x = Vector256.LoadUnsafe(ref r0, (nuint)((long)i * d + j));
                // Comparison masks are −1 (all bits) where true: add the negatives, subtract the positives.
                votes += Vector256.LessThan(x, Vector256<float>.Zero).AsInt32();
                votes -= Vector256.GreaterThan(x, Vector256<float>.Zero).AsInt32();
            }
            var sign = Vector256.ConditionalSelect(Vector256.GreaterThan(votes, Vector256<int>.Zero).AsSingle(), one, Vector256<float>.Zero)
                - Vector256.ConditionalSelect(Vector256.LessThan(votes, Vector256<int>.Zero).AsSingle(), one, Vector256<float>.Zero);
            sign.StoreUnsafe(ref _result[0], (nuint)j);
        }
        for (int j = vectorEnd; j < end; j++)
        {
            int votes = 0;
            for (int i = 0; i < n; i++)
            {
                float x = data[i * d + j];
                if (x > 0) votes++;
                else if (x < 0) votes--;
            }
            _result[j] = votes > 0 ? 1f : votes < 0 ? -1f : 0f;
        }
    }
}
