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

    /// <summary>The statistics of <paramref name="values"/> in the given order (<see cref="SeedAccumulator"/>: the same bits as
    /// MathNet.Numerics' <c>ArrayStatistics.Mean</c> and <c>StandardDeviation</c> of the values).</summary>
    public static SeedStatistics Of(IReadOnlyList<double> values)
    {
        var accumulator = new SeedAccumulator();
        foreach (double v in values) accumulator.Add(v);
        return accumulator.Statistics();
    }
}

/// <summary>
/// <see cref="SeedStatistics"/> of values given one at a time, in constant memory: a sweep's cells are accumulated
/// while its results are streamed, never held.
/// </summary>
/// <remarks>The one-pass recurrences MathNet.Numerics 5 uses in <c>ArrayStatistics.Mean</c> (running mean
/// m ← m + (x − m)/k) and <c>ArrayStatistics.Variance</c> (Chan–Golub–LeVeque: with T the running sum,
/// S ← S + ((k·x − T)²)/(k(k − 1)) for the k-th value, variance S/(n − 1)), evaluated in the same order with the same
/// operations, so the results are bit-identical to those functions on the array of the values (tested).</remarks>
public sealed class SeedAccumulator
{
    private int _count;
    private double _mean;
    private double _sum;
    private double _squares;

    /// <summary>Values added.</summary>
    public int Count => _count;

    /// <summary>Adds the next value.</summary>
    public void Add(double value)
    {
        _mean += (value - _mean) / (_count + 1);
        if (_count == 0)
        {
            _sum = value;
        }
        else
        {
            _sum += value;
            double diff = ((_count + 1) * value) - _sum;
            _squares += (diff * diff) / ((_count + 1.0) * _count);
        }
        _count++;
    }

    /// <summary>The statistics of the values added so far.</summary>
    public SeedStatistics Statistics()
    {
        if (_count == 0) return new SeedStatistics(0, double.NaN, double.NaN, double.NaN);
        double mean = _mean;
        if (_count < 2 || !double.IsFinite(mean)) return new SeedStatistics(_count, mean, double.NaN, double.NaN);
        double std = Math.Sqrt(_squares / (_count - 1));
        double t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, _count - 1, 1 - (1 - SeedStatistics.Confidence) / 2);
        return new SeedStatistics(_count, mean, std, t * std / Math.Sqrt(_count));
    }
}
