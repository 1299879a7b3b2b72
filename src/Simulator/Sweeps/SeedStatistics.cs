namespace SimByz.Simulator.Sweeps;

/// <summary>A metric over the seeds of one (panel, defence, attack) cell.</summary>
/// <param name="Count">Number of seeds.</param>
/// <param name="Mean">Arithmetic mean (NaN if any value is, or there is none).</param>
/// <param name="Std">Sample standard deviation (n − 1; NaN with fewer than two values).</param>
/// <param name="HalfWidth">Half-width of the 95 % confidence interval of the mean, Student t with n − 1
/// degrees of freedom: t(0.975, n − 1) · Std / √n (NaN with fewer than two values).</param>
public sealed record SeedStatistics(int Count, double Mean, double Std, double HalfWidth)
{
    /// <summary>The confidence level of <see cref="HalfWidth"/>.</summary>
    public const double Confidence = 0.95;

    /// <summary>The statistics of <paramref name="values"/>, computed by MathNet.Numerics in the given order.</summary>
    public static SeedStatistics Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new SeedStatistics(0, double.NaN, double.NaN, double.NaN);
        var array = values.ToArray();
        double mean = MathNet.Numerics.Statistics.ArrayStatistics.Mean(array);
        if (array.Length < 2 || !double.IsFinite(mean)) return new SeedStatistics(array.Length, mean, double.NaN, double.NaN);
        double std = MathNet.Numerics.Statistics.ArrayStatistics.StandardDeviation(array);
        double t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, array.Length - 1, 1 - (1 - Confidence) / 2);
        return new SeedStatistics(array.Length, mean, std, t * std / Math.Sqrt(array.Length));
    }
}
