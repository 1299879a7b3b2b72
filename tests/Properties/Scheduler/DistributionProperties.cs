using SimByz.Scheduler;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Scheduler;

/// <summary>
/// Each delay distribution's sample mean and variance fall inside statistically sound bounds around
/// the closed-form values.
/// </summary>
/// <remarks>
/// <para><b>Test.</b> Each case draws N = 20 000 samples from a fresh stream (the case's seed) and
/// checks |x̄ − μ| ≤ z·√(σ²/N) and |s² − σ²| ≤ z·√Var(s²), where s² is the unbiased sample variance,
/// Var(s²) = μ₄/N − σ⁴(N−3)/(N(N−1)) (μ₄ the fourth central moment) and both statistics are
/// treated as normal (central limit theorem), plus a slack for the rounding of every sample to
/// whole nanoseconds (|error| ≤ 0.5 ns).</para>
/// <para><b>Confidence.</b> Bonferroni over every check of a run: K = <see cref="ChecksPerCase"/> ×
/// MaxTest checks (1 500 with the default budget), each at level α/K with a family level
/// α = 10⁻⁸, so z = −Φ⁻¹(α/(2K)) (≈ 6.87 at MaxTest = 100, growing with the budget). The nominal
/// family-wise false-failure rate is therefore ≤ 10⁻⁸ per run; the factor 100 below the required
/// 10⁻⁶ absorbs the error of the normal approximation that far in the tail: by the Edgeworth
/// expansion the relative error of a tail probability is about exp(γ·z³/6) with γ = skewness/√N of
/// the statistic, at most ≈ 0.05 here (log-normal σ ≤ 0.5 gives X² a skewness ≈ 6.2), a factor ≤ 15.</para>
/// <para><b>Heavy tails.</b> Parameter ranges keep the fourth moment finite and moderate. The Pareto
/// law is the exception by nature: its sample variance is dominated by single huge draws, so no
/// z-bound on it is sound unless α is very large. Its shape is instead checked through the exact
/// transform Y = α·ln(X/x_m) ~ Exp(1) (mean 1, variance 1) for α in [0.5, 40], and its direct mean
/// for α ≥ 8, where one draw exceeding the bound has probability below 10⁻¹³.</para>
/// </remarks>
public class DistributionProperties
{
    private const int N = 20_000;

    /// <summary>Checks per case across all the properties of this class (the Bonferroni count per unit of MaxTest).</summary>
    private const int ChecksPerCase = 15;

    private const double FamilyAlpha = 1e-8;

    private static readonly double Z = -DetMath.NormalQuantile(FamilyAlpha / (2.0 * ChecksPerCase * PropertyBudget.MaxTest));

    private const double HalfNs = 0.5e-9;

    /// <summary>Mean, variance and fourth central moment.</summary>
    private readonly record struct Moments(double Mean, double Variance, double Mu4)
    {
        public static Moments FromRaw(double m1, double m2, double m3, double m4)
            => new(m1, m2 - m1 * m1, m4 - 4 * m3 * m1 + 6 * m2 * m1 * m1 - 3 * m1 * m1 * m1 * m1);

        public Moments Shift(double c) => this with { Mean = Mean + c };
    }

    private static double[] Draw(IDelayModel model, ulong seed, Func<double, double>? transform = null)
    {
        var rng = new RandomStream(seed);
        var xs = new double[N];
        for (int i = 0; i < N; i++)
        {
            double x = model.Sample(rng).Nanoseconds / 1e9;
            xs[i] = transform is null ? x : transform(x);
        }
        return xs;
    }

    private static void CheckMean(double[] xs, Moments m, string what, double slack = HalfNs)
    {
        double mean = 0;
        foreach (double x in xs) mean += x;
        mean /= xs.Length;
        double bound = Z * Math.Sqrt(m.Variance / xs.Length) + slack;
        Assert.True(Math.Abs(mean - m.Mean) <= bound, $"{what}: sample mean {mean:R} vs {m.Mean:R}, bound ±{bound:R} (z = {Z:F2})");
    }

    private static void CheckVariance(double[] xs, Moments m, string what, double slack = HalfNs)
    {
        double mean = 0;
        foreach (double x in xs) mean += x;
        mean /= xs.Length;
        double ss = 0;
        foreach (double x in xs) ss += (x - mean) * (x - mean);
        double s2 = ss / (xs.Length - 1);
        double n = xs.Length;
        // s² − σ² = n/(n−1)·(A − σ²) + σ²/(n−1) − n/(n−1)·(x̄ − μ)², with A = mean of (x − μ)².
        // Bound each part: |A − σ²| ≤ Z·√((μ₄ − σ⁴)/n) (CLT on A) and (x̄ − μ)² ≤ Z²·σ²/n (CLT on x̄, the
        // event CheckMean bounds). Using Var(s²) alone is not sound: for a symmetric two-point
        // distribution μ₄ = σ⁴, the first-order term vanishes and s² − σ² ≈ −σ²·χ²₁/n, which a normal
        // z-bound on Var(s²) = 2σ⁴/(n(n−1)) undercuts (found by this property: EmpiricalCase with two values).
        double ratio = n / (n - 1);
        double bound = ratio * Z * Math.Sqrt(Math.Max(0, (m.Mu4 - m.Variance * m.Variance) / n)) + m.Variance / (n - 1)
            + ratio * Z * Z * m.Variance / n
            // Rounding moves each sample by at most `slack`: s² moves by at most 2·σ·slack + slack².
            + 2 * Math.Sqrt(m.Variance) * slack + slack * slack + 1e-300;
        Assert.True(Math.Abs(s2 - m.Variance) <= bound, $"{what}: sample variance {s2:R} vs {m.Variance:R}, bound ±{bound:R} (z = {Z:F2})");
    }

    private static void CheckBoth(double[] xs, Moments m, string what)
    {
        CheckMean(xs, m, what);
        CheckVariance(xs, m, what);
    }

    private static Moments Uniform(double a, double w) => new(a + w / 2, w * w / 12, w * w * w * w / 80);

    private static Moments Lognormal(double mu, double sigma)
    {
        double Raw(int k) => Math.Exp(k * mu + k * k * sigma * sigma / 2);
        // Central moments from the raw ones lose digits when σ is small; use the closed forms instead.
        double s2 = sigma * sigma, mean = Raw(1), e = Math.Exp(s2);
        double variance = (e - 1) * mean * mean;
        double mu4 = variance * variance * (Math.Exp(4 * s2) + 2 * Math.Exp(3 * s2) + 3 * Math.Exp(2 * s2) - 3);
        return new(mean, variance, mu4);
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Uniform_SampleMoments_WithinBounds(UniformCase c)
        => CheckBoth(Draw(new UniformDelayOptions(c.MinSeconds, c.MinSeconds + c.WidthSeconds).Build(), c.Seed), Uniform(c.MinSeconds, c.WidthSeconds), c.ToString());

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Exponential_SampleMoments_WithinBounds(ExponentialCase c)
    {
        double m = c.MeanSeconds;
        CheckBoth(Draw(new ExponentialDelayOptions(m).Build(), c.Seed), new Moments(m, m * m, 9 * m * m * m * m), c.ToString());
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Lognormal_SampleMoments_WithinBounds(LognormalCase c)
        => CheckBoth(Draw(new LognormalDelayOptions(c.Mu, c.Sigma).Build(), c.Seed), Lognormal(c.Mu, c.Sigma), c.ToString());

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Pareto_LogTransformIsUnitExponential_AndMeanWithinBounds(ParetoCase c)
    {
        var model = new ParetoDelayOptions(c.ScaleSeconds, c.Alpha).Build();
        // Y = α·ln(X/x_m) ~ Exp(1). Rounding X to ns moves Y by at most α·0.5 ns / x_m.
        double slack = c.Alpha * HalfNs / c.ScaleSeconds;
        var ys = Draw(model, c.Seed, x => c.Alpha * Math.Log(x / c.ScaleSeconds));
        var unitExponential = new Moments(1, 1, 9);
        CheckMean(ys, unitExponential, c + " (log transform)", slack);
        CheckVariance(ys, unitExponential, c + " (log transform)", slack);
        if (c.Alpha >= 8)
        {
            double a = c.Alpha, xm = c.ScaleSeconds;
            double Raw(int k) => a * Math.Pow(xm, k) / (a - k);
            CheckMean(Draw(model, c.Seed), Moments.FromRaw(Raw(1), Raw(2), Raw(3), Raw(4)), c.ToString());
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Empirical_SampleMoments_WithinBounds(EmpiricalCase c)
    {
        var values = c.ValuesSeconds.Select(v => SimTime.FromSeconds(v).Nanoseconds / 1e9).ToArray();
        double Raw(int k) => values.Average(v => Math.Pow(v, k));
        double mean = Raw(1);
        double variance = values.Average(v => (v - mean) * (v - mean));
        double mu4 = values.Average(v => Math.Pow(v - mean, 4));
        // The values are rounded to ns once, up front: no rounding slack is needed, but keep it harmless.
        CheckBoth(Draw(new EmpiricalDelayOptions(c.ValuesSeconds).Build(), c.Seed), new Moments(mean, variance, mu4), c.ToString());
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Straggler_SampleMoments_WithinBounds(StragglerCase c)
    {
        double a = c.MinSeconds, b = c.MinSeconds + c.WidthSeconds;
        // Raw moments of the uniform base, E[B^k] = (b^{k+1} − a^{k+1}) / ((k+1)(b−a)), times the
        // mixture factor (1 − p + p·f^k).
        double Raw(int k) => (Math.Pow(b, k + 1) - Math.Pow(a, k + 1)) / ((k + 1) * (b - a)) * (1 - c.P + c.P * Math.Pow(c.Factor, k));
        var expected = Moments.FromRaw(Raw(1), Raw(2), Raw(3), Raw(4));
        var model = new StragglerDelayOptions(c.P, c.Factor, new UniformDelayOptions(a, b)).Build();
        CheckBoth(Draw(model, c.Seed), expected, c.ToString());
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Shifted_SampleMoments_WithinBounds(ShiftedCase c)
    {
        var model = new ShiftedDelayOptions(c.OffsetSeconds, new LognormalDelayOptions(c.Mu, c.Sigma)).Build();
        CheckBoth(Draw(model, c.Seed), Lognormal(c.Mu, c.Sigma).Shift(c.OffsetSeconds), c.ToString());
    }
}
