using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twins of <c>krum:f,variant</c> (Blanchard et al., NeurIPS 2017) and
/// <c>multi-krum:f,m,variant</c>: Krum scores from squared distances computed on the device;
/// selection on the host; average of the m best on the device (Krum: m = 1).
/// </summary>
/// <remarks>
/// <para><c>variant=blanchard</c> (default): score = Σ of the squared distances to the n−f−2 nearest
/// other rows. <c>variant=byzfl</c>: the mean over the n−f−1 nearest. Ties by lowest index; non-finite
/// rows are ordered last and never selected while finite rows remain (all non-finite: the zero vector). Needs n &gt; 2f+2.</para>
/// <para>Multi-Krum's m defaults to n−f−2 (blanchard, AggregaThor/Garfield) or n−f (byzfl).</para>
/// <para>Agreement: the same selection unless two scores are within relative 1e-6 (a near tie), then
/// the average at relative 1e-5.</para>
/// </remarks>
internal sealed class TorchKrum : ITensorRule
{
    private readonly string _name;
    private readonly int _f;
    private readonly int _m;
    private readonly bool _byzfl;

    private TorchKrum(string name, int f, int m, bool byzfl)
    {
        _name = name;
        _f = f;
        _m = m;
        _byzfl = byzfl;
    }

    public static TorchKrum CreateKrum(SpecParameters p, AggregatorBuildContext ctx)
    {
        int f = RuleParameters.ByzantineCount(p, ctx, "f", "krum");
        string variant = p.GetChoice("variant", "blanchard", "blanchard", "byzfl");
        return new("krum", f, 1, variant == "byzfl");
    }

    public static TorchKrum CreateMultiKrum(SpecParameters p, AggregatorBuildContext ctx)
    {
        int f = RuleParameters.ByzantineCount(p, ctx, "f", "multi-krum");
        int m = p.GetInt("m", defaultValue: 0, min: 1);
        string variant = p.GetChoice("variant", "blanchard", "blanchard", "byzfl");
        return new("multi-krum", f, m, variant == "byzfl");
    }

    public string Spec => _name == "krum"
        ? $"krum:f={_f},variant={Variant}"
        : _m > 0 ? $"multi-krum:f={_f},m={_m},variant={Variant}" : $"multi-krum:f={_f},variant={Variant}";

    private string Variant => _byzfl ? "byzfl" : "blanchard";

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0];
        if (n <= 2 * _f + 2) throw RuleParameters.Tolerance(Spec, n, "n > 2f+2");
        int m = _name == "krum" ? 1 : _m > 0 ? _m : _byzfl ? n - _f : n - _f - 2;
        if (m > n) throw RuleParameters.Tolerance(Spec, n, "m ≤ n");
        var distances = HostDistances.Compute(x);
        var all = new bool[n];
        Array.Fill(all, true);
        int k = _byzfl ? n - _f - 1 : n - _f - 2;
        double[] scores = distances.KrumScores(all, Math.Max(1, k), _byzfl);
        int[] order = distances.OrderByScore(scores, all);
        var selected = new bool[n];
        for (int t = 0; t < m; t++) selected[order[t]] = true;
        if (call.Diagnostics is { } diag)
        {
            scores.CopyTo(diag.Scores);
            diag.HasScores = true;
            selected.CopyTo(diag.Selected);
            diag.HasSelection = true;
            diag.NonFiniteRows = distances.NonFiniteCount;
        }
        if (distances.NonFiniteCount == n) return zeros(x.shape[1], dtype: ScalarType.Float32, device: x.device);
        return TensorOps.MeanOfRows(x, selected, call.Device);
    }
}
