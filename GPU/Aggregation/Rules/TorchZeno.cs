using System.Globalization;
using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Specs;
using static TorchSharp.torch;

namespace SimByz.Gpu.Aggregation.Rules;

/// <summary>
/// Tensor twin of <c>zeno:b,rho,penalty</c> (Xie, Koyejo, Gupta, ICML 2019): each candidate u gets the
/// stochastic descent score f_r(x) − f_r(x − γu) − ρ·P(u) from the server's validation oracle; the b
/// lowest are dropped and the remaining n−b averaged on the device.
/// </summary>
/// <remarks>
/// <para>The oracle is the managed <see cref="SimByz.Aggregation.IValidationOracle"/> (it may itself
/// run a torch model): scores are computed through it on the host, rows sorted by score descending
/// (ties by lowest index), the selection averaged in tensors. <c>penalty=sum</c> (default, the paper):
/// P(u) = ‖u‖²; <c>penalty=mean</c> (xcgoner/icml2019_zeno): P(u) = mean_j uⱼ². Rows holding NaN/±∞ score −∞ (a NaN score too);
/// non-finite rows among the kept are not averaged (none averaged: 0), as in the managed rule.
/// Accepts 0 ≤ b &lt; n.</para>
/// <para>Agreement: the same selection unless two scores are within 1e-6 of each other relative to
/// their scale (near tie), then relative 1e-5 on the average.</para>
/// </remarks>
internal sealed class TorchZeno(int b, double rho, bool meanPenalty) : ITensorRule
{
    private float[] _trial = [];

    public static TorchZeno Create(SpecParameters p, AggregatorBuildContext ctx)
    {
        int b = RuleParameters.ByzantineCount(p, ctx, "b", "zeno");
        double rho = p.GetDouble("rho", defaultValue: 0.0005, min: 0);
        string penalty = p.GetChoice("penalty", "sum", "sum", "mean");
        return new(b, rho, penalty == "mean");
    }

    public bool UsesValidation => true;

    public string Spec => string.Create(CultureInfo.InvariantCulture, $"zeno:b={b},rho={rho:R},penalty={(meanPenalty ? "mean" : "sum")}");

    public Tensor Aggregate(Tensor x, TensorCall call)
    {
        int n = (int)x.shape[0], d = (int)x.shape[1];
        if (b >= n) throw RuleParameters.Tolerance(Spec, n, "b < n");
        var oracle = call.Context.Oracle;
        var model = call.Context.Model;
        if (oracle is null || model.Length == 0)
        {
            throw new SimByzException($"{Spec}: Zeno needs the server's validation data (a validation oracle and the current model), and none was given");
        }
        if (model.Length != d) throw new SimByzException($"{Spec}: model has {model.Length} parameters but the gradients have d = {d}");
        if (_trial.Length < d) _trial = new float[d];
        float[] host = [];
        if (call.Host is null)
        {
            host = new float[n * d];
            TensorOps.ToHost(x, host);
        }
        double gamma = call.Context.LearningRate;
        if (!double.IsFinite(gamma) || gamma <= 0)
        {
            throw new SimByzException($"zeno needs the server's learning rate γ > 0 to score its inputs (got {gamma.ToString(CultureInfo.InvariantCulture)})");
        }
        double baseLoss = oracle.Loss(model.Span);
        var scores = new double[n];
        int nonFinite = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> u = call.Host is { } h ? h.Row(i) : host.AsSpan(i * d, d);
            if (!AllFinite(u))
            {
                scores[i] = double.NegativeInfinity;
                nonFinite++;
                continue;
            }
            double penalty = DetVec.SquaredNorm(u);
            if (meanPenalty) penalty /= d;
            // x − γu in float32, u scaled by (float)γ first, as the managed rule forms it.
            ReadOnlySpan<float> xm = model.Span;
            float g = (float)gamma;
            for (int j = 0; j < d; j++) _trial[j] = xm[j] - g * u[j];
            double score = baseLoss - oracle.Loss(_trial.AsSpan(0, d)) - rho * penalty;
            scores[i] = double.IsNaN(score) ? double.NegativeInfinity : score;
        }
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (p, q) =>
        {
            int c = scores[q].CompareTo(scores[p]);
            return c != 0 ? c : p.CompareTo(q);
        });
        // Non-finite rows kept (more of them than b) are not averaged; none averaged gives 0.
        var selected = new bool[n];
        int averaged = 0;
        for (int t = 0; t < n - b; t++)
        {
            int i = order[t];
            ReadOnlySpan<float> u = call.Host is { } h ? h.Row(i) : host.AsSpan(i * d, d);
            if (double.IsNegativeInfinity(scores[i]) && !AllFinite(u)) continue;
            selected[i] = true;
            averaged++;
        }
        if (call.Diagnostics is { } diag)
        {
            scores.CopyTo(diag.Scores);
            diag.HasScores = true;
            selected.CopyTo(diag.Selected);
            diag.HasSelection = true;
            diag.NonFiniteRows = nonFinite;
        }
        if (averaged == 0) return zeros(d, dtype: ScalarType.Float32, device: x.device);
        return TensorOps.MeanOfRows(x, selected, call.Device);
    }

    private static bool AllFinite(ReadOnlySpan<float> row)
    {
        foreach (float v in row)
        {
            if (!float.IsFinite(v)) return false;
        }
        return true;
    }
}
