using SimByz.Scheduler;

namespace SimByz.Simulator.Data.Partitioning;

/// <summary>Dirichlet and Gamma draws from a <see cref="RandomStream"/>, with <see cref="DetMath"/> only.</summary>
/// <remarks>
/// Gamma(a), a ≥ 1: Marsaglia and Tsang 2000 (d = a − 1/3, c = 1/√(9d); x ~ N(0,1), v = (1 + c·x)³,
/// u uniform on (0,1]; accept if u &lt; 1 − 0.0331·x⁴ or log u &lt; x²/2 + d(1 − v + log v)).
/// a &lt; 1: Gamma(a + 1)·U^{1/a}. Work is in log space; a Dirichlet vector is exp(log G_c − max)
/// normalized, so tiny concentrations give a one-hot vector rather than 0/0.
/// </remarks>
internal static class Dirichlet
{
    /// <summary>log of a Gamma(<paramref name="shape"/>, 1) variate; shape &gt; 0.</summary>
    public static double LogGamma(double shape, RandomStream rng)
    {
        if (shape < 1)
        {
            double boosted = LogGamma(shape + 1, rng);
            return boosted + DetMath.Log(rng.NextDoubleNonZero()) / shape;
        }
        double d = shape - 1.0 / 3.0, c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x = rng.NextNormal();
            double v = 1.0 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            double u = rng.NextDoubleNonZero();
            double x2 = x * x;
            if (u < 1.0 - 0.0331 * x2 * x2 || DetMath.Log(u) < 0.5 * x2 + d * (1.0 - v + DetMath.Log(v)))
            {
                return DetMath.Log(d * v);
            }
        }
    }

    /// <summary>
    /// Writes a draw of Dir(<paramref name="concentration"/>) into <paramref name="result"/>; entries with
    /// concentration 0 get probability 0 and consume no draws. At least one concentration must be positive.
    /// </summary>
    public static void Sample(ReadOnlySpan<double> concentration, Span<double> result, RandomStream rng)
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < concentration.Length; i++)
        {
            result[i] = concentration[i] > 0 ? LogGamma(concentration[i], rng) : double.NegativeInfinity;
            if (result[i] > max) max = result[i];
        }
        if (double.IsNegativeInfinity(max)) throw new ArgumentException("no positive concentration", nameof(concentration));
        double sum = 0;
        for (int i = 0; i < concentration.Length; i++)
        {
            result[i] = double.IsNegativeInfinity(result[i]) ? 0 : DetMath.Exp(result[i] - max);
            sum += result[i];
        }
        for (int i = 0; i < concentration.Length; i++) result[i] /= sum;
    }
}
