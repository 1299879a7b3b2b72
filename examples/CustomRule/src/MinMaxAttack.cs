using SimByz;
using SimByz.Attacks;
using SimByz.Specs;

namespace CustomRule;

/// <summary>
/// The AGR-agnostic Min-Max attack (Shejwalkar and Houmansadr, "Manipulating the Byzantine: Optimizing
/// Model Poisoning Attacks and Defenses for Federated Learning", NDSS 2021): every Byzantine worker
/// sends m = μ + γ·p, with μ the honest mean, p a perturbation direction, and γ the largest value
/// (found by the paper's halving search) for which m's largest distance to an honest gradient stays
/// within the largest distance between two honest gradients.
/// </summary>
/// <remarks>
/// Directions (<c>dev</c>): <c>unit</c> (−μ/‖μ‖, the paper's "inverse unit vector"), <c>std</c>
/// (−σ, coordinate-wise standard deviation of the honest gradients), <c>sign</c> (−sign(μ)).
/// Search (the paper's): γ starts at <c>gamma</c> (50) with step s = γ; each trial moves γ up by s/2
/// on success and down by s/2 on failure, then halves s, until the last success is within 1e-5 of γ;
/// the last successful γ is used (0 if none). Deterministic,
/// no randomness; allocates per call (an example, not a hot path). Spec <c>min-max:dev=unit,gamma=50</c>.
/// </remarks>
public sealed class MinMaxAttack : IGradientAttack
{
    public static ComponentInfo Info { get; } = new("min-max",
        "μ + γ·p with the largest γ keeping the malicious gradient within the honest gradients' largest pairwise distance",
        "Shejwalkar and Houmansadr, NDSS 2021 (AGR-agnostic Min-Max)", "needs ≥ 2 honest workers",
        [new ParameterInfo("dev", "unit | std | sign", "unit", "perturbation direction: −μ/‖μ‖, −σ or −sign(μ)"),
         new ParameterInfo("gamma", "number > 0", "50", "initial γ of the search")]);

    private readonly string _direction;
    private readonly double _gamma;

    private MinMaxAttack(string direction, double gamma)
    {
        _direction = direction;
        _gamma = gamma;
    }

    public static IGradientAttack Create(SpecParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new MinMaxAttack(p.GetChoice("dev", "unit", "unit", "std", "sign"), p.GetDouble("gamma", 50, min: 1e-9));
    }

    public string Spec => $"min-max:dev={_direction},gamma={_gamma.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public void CheckTolerance(int n, int q)
    {
        if (q > 0 && n - q < 2) throw new SimByzException($"attack '{Spec}': needs at least 2 honest workers to measure their spread (n = {n}, q = {q})");
    }

    public void Craft(AttackContext context, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(context);
        var honest = context.Honest;
        int h = honest.Count, d = context.Dimension;
        if (h == 0)
        {
            output.Clear();
            return;
        }
        var mean = new double[d];
        for (int i = 0; i < h; i++)
        {
            var row = honest.Row(i);
            for (int j = 0; j < d; j++) mean[j] += row[j];
        }
        for (int j = 0; j < d; j++) mean[j] /= h;
        var direction = Direction(honest, mean);
        double bound = 0;
        for (int a = 0; a < h; a++)
        {
            for (int b = a + 1; b < h; b++) bound = Math.Max(bound, Distance(honest.Row(a), honest.Row(b)));
        }
        double gamma = _gamma, step = _gamma, success = 0;
        var candidate = new double[d];
        while (Math.Abs(success - gamma) > 1e-5)
        {
            for (int j = 0; j < d; j++) candidate[j] = mean[j] + gamma * direction[j];
            double worst = 0;
            for (int i = 0; i < h; i++) worst = Math.Max(worst, Distance(honest.Row(i), candidate));
            if (worst <= bound)
            {
                success = gamma;
                gamma += step / 2;
            }
            else
            {
                gamma -= step / 2;
            }
            step /= 2;
            if (step < 1e-12) break;
        }
        for (int k = 0; k < context.ByzantineCount; k++)
        {
            for (int j = 0; j < d; j++) output[k * d + j] = (float)(mean[j] + success * direction[j]);
        }
    }

    private double[] Direction(SimByz.Aggregation.GradientBatch honest, double[] mean)
    {
        int d = mean.Length;
        var p = new double[d];
        switch (_direction)
        {
            case "std":
                for (int j = 0; j < d; j++)
                {
                    double s = 0;
                    for (int i = 0; i < honest.Count; i++) s += (honest.Row(i)[j] - mean[j]) * (honest.Row(i)[j] - mean[j]);
                    p[j] = -Math.Sqrt(s / honest.Count);
                }
                break;
            case "sign":
                for (int j = 0; j < d; j++) p[j] = -Math.Sign(mean[j]);
                break;
            default:
                double norm = 0;
                for (int j = 0; j < d; j++) norm += mean[j] * mean[j];
                norm = Math.Sqrt(norm);
                for (int j = 0; j < d; j++) p[j] = norm > 0 ? -mean[j] / norm : 0;
                break;
        }
        return p;
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) s += (a[j] - (double)b[j]) * (a[j] - (double)b[j]);
        return Math.Sqrt(s);
    }

    private static double Distance(ReadOnlySpan<float> a, double[] b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
        return Math.Sqrt(s);
    }
}
