namespace SimByz.Scheduler;

/// <summary>
/// Transcendental functions computed in-project, so results are identical on every machine and
/// .NET version (DESIGN.md, Determinism contract: the platform libm differs between platforms).
/// </summary>
/// <remarks>
/// <see cref="Log"/> and <see cref="Exp"/> follow the algorithms of Sun's fdlibm (e_log.c, e_exp.c:
/// argument reduction by ln 2 and a minimax polynomial, error below 1 ulp) written out with plain
/// IEEE double additions and multiplications only (no FMA), which every conforming platform rounds
/// the same way. <see cref="Math.Sqrt"/> and <see cref="Math.ScaleB"/> are correctly rounded by
/// IEEE 754 and may be used freely. Thread-safe (pure functions).
/// </remarks>
public static class DetMath
{
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double InvLn2 = 1.44269504088896338700e+00;
    private const double Two54 = 1.80143985094819840000e+16;

    private const double Lg1 = 6.666666666666735130e-01;
    private const double Lg2 = 3.999999999940941908e-01;
    private const double Lg3 = 2.857142874366239149e-01;
    private const double Lg4 = 2.222219843214978396e-01;
    private const double Lg5 = 1.818357216161805012e-01;
    private const double Lg6 = 1.531383769920937332e-01;
    private const double Lg7 = 1.479819860511658591e-01;

    private const double P1 = 1.66666666666666019037e-01;
    private const double P2 = -2.77777777770155933842e-03;
    private const double P3 = 6.61375632143793436117e-05;
    private const double P4 = -1.65339022054652515390e-06;
    private const double P5 = 4.13813679705723846039e-08;

    /// <summary>Natural logarithm. log(0) = −∞, log(x&lt;0) = NaN, log(+∞) = +∞.</summary>
    public static double Log(double x)
    {
        if (double.IsNaN(x) || x < 0) return double.NaN;
        if (x == 0) return double.NegativeInfinity;
        if (double.IsPositiveInfinity(x)) return x;
        long bits = BitConverter.DoubleToInt64Bits(x);
        int k = 0;
        if (bits < 0x0010000000000000L)
        {
            // Subnormal: scale into the normal range first.
            k -= 54;
            bits = BitConverter.DoubleToInt64Bits(x * Two54);
        }
        int hx = (int)(bits >> 32);
        k += (hx >> 20) - 1023;
        hx &= 0x000fffff;
        int i = (hx + 0x95f64) & 0x100000;
        // Normalize the mantissa into [sqrt(2)/2, sqrt(2)).
        long mbits = ((long)(hx | (i ^ 0x3ff00000)) << 32) | (bits & 0xffffffffL);
        k += i >> 20;
        double f = BitConverter.Int64BitsToDouble(mbits) - 1.0;
        double s = f / (2.0 + f);
        double dk = k;
        double z = s * s;
        double w = z * z;
        double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
        double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
        double r = t2 + t1;
        double hfsq = 0.5 * f * f;
        if (k == 0) return f - (hfsq - s * (hfsq + r));
        return dk * Ln2Hi - ((hfsq - (s * (hfsq + r) + dk * Ln2Lo)) - f);
    }

    /// <summary>e^x. Overflows to +∞ above ≈709.78, underflows to 0 below ≈−745.13.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x > 7.09782712893383973096e+02) return double.PositiveInfinity;
        if (x < -7.45133219101941108420e+02) return 0.0;
        double ax = Math.Abs(x);
        if (ax < 3.7252902984e-09) return 1.0 + x; // |x| < 2^-28
        int k;
        double hi, lo;
        if (ax > 0.5 * Ln2Hi)
        {
            k = (int)(InvLn2 * x + (x < 0 ? -0.5 : 0.5));
            double t = k;
            hi = x - t * Ln2Hi;
            lo = t * Ln2Lo;
            x = hi - lo;
        }
        else
        {
            k = 0;
            hi = x;
            lo = 0;
        }
        double tt = x * x;
        double c = x - tt * (P1 + tt * (P2 + tt * (P3 + tt * (P4 + tt * P5))));
        if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
        double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
        return Math.ScaleB(y, k);
    }

    /// <summary>x^y for x &gt; 0 as exp(y·log x) (error a few ulp; deterministic).</summary>
    public static double Pow(double x, double y)
    {
        if (y == 0) return 1.0;
        if (x == 1.0) return 1.0;
        if (x < 0 || double.IsNaN(x) || double.IsNaN(y)) return double.NaN;
        if (x == 0) return y > 0 ? 0.0 : double.PositiveInfinity;
        return Exp(y * Log(x));
    }

    /// <summary>log(1 + e^x) without overflow, for logistic losses.</summary>
    public static double Softplus(double x) => x > 0 ? x + Log(1.0 + Exp(-x)) : Log(1.0 + Exp(x));

    /// <summary>The logistic function 1/(1+e^−x), stable on both tails.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1.0 / (1.0 + Exp(-x));
        double e = Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>Φ⁻¹(p), the standard normal quantile, by Acklam's rational approximation
    /// (relative error below 1.15e-9). Uses only <see cref="Log"/>, <see cref="Exp"/>
    /// and <see cref="Math.Sqrt"/>. p outside (0,1) gives ±∞ at the ends, NaN beyond.</summary>
    public static double NormalQuantile(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1) return double.NaN;
        if (p == 0) return double.NegativeInfinity;
        if (p == 1) return double.PositiveInfinity;
        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double pLow = 0.02425;
        double x;
        if (p < pLow)
        {
            double q = Math.Sqrt(-2 * Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p <= 1 - pLow)
        {
            double q = p - 0.5, r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        else
        {
            double q = Math.Sqrt(-2 * Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        return x;
    }

    /// <summary>Φ(x), the standard normal CDF, via <see cref="Erfc"/>.</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2.0));

    /// <summary>Complementary error function by the Chebyshev-fitted formula of Numerical Recipes
    /// (erfcc; fractional error below 1.2e-7 everywhere).</summary>
    public static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? ans : 2.0 - ans;
    }
}
