using System.Runtime.CompilerServices;

namespace SimByz.Scheduler;

/// <summary>
/// A deterministic pseudo-random stream: xoshiro256** (Blackman and Vigna, 2018) seeded through
/// SplitMix64. Every draw method is implemented here with integer and IEEE-exact arithmetic plus
/// <see cref="DetMath"/>, so a stream yields the same values on every machine and .NET version.
/// </summary>
/// <remarks>
/// Obtain streams from <see cref="RandomStreams.Derive"/>, one per consumer, never share one across
/// entities (DESIGN.md, Randomness). Not thread-safe: a stream belongs to one consumer.
/// <list type="bullet">
/// <item><see cref="NextDouble"/>: the top 53 bits scaled by 2^−53, uniform on [0, 1).</item>
/// <item><see cref="NextInt(int)"/>: Lemire's multiply-and-reject method, exactly uniform.</item>
/// <item><see cref="NextNormal()"/>: Marsaglia's polar method (uses log and sqrt only); the second
/// variate of each pair is kept for the next call.</item>
/// <item><see cref="NextExponential"/>: −ln(U)/λ with U uniform on (0, 1].</item>
/// </list>
/// </remarks>
public sealed class RandomStream
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    /// <summary>Seeds the four state words with successive SplitMix64 outputs of <paramref name="seed"/>.</summary>
    public RandomStream(ulong seed)
    {
        ulong sm = seed;
        _s0 = SplitMix64.Next(ref sm);
        _s1 = SplitMix64.Next(ref sm);
        _s2 = SplitMix64.Next(ref sm);
        _s3 = SplitMix64.Next(ref sm);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1; // the all-zero state is a fixed point
    }

    private RandomStream(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>A stream with the given raw xoshiro256** state (not all zero), for known-answer tests
    /// against the reference C implementation.</summary>
    internal static RandomStream FromState(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        if ((s0 | s1 | s2 | s3) == 0) throw new ArgumentException("the all-zero state is a fixed point of xoshiro256**");
        return new RandomStream(s0, s1, s2, s3);
    }

    /// <summary>The next 64 random bits (xoshiro256**).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 bits of resolution.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on (0, 1]: never zero, so safe under a logarithm.</summary>
    public double NextDoubleNonZero() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>Uniform on [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)NextUInt64Below((ulong)maxExclusive);
    }

    /// <summary>Uniform on [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public long NextLong(long minInclusive, long maxExclusive)
    {
        if (maxExclusive <= minInclusive) throw new ArgumentOutOfRangeException(nameof(maxExclusive), "empty range");
        return minInclusive + (long)NextUInt64Below((ulong)(maxExclusive - minInclusive));
    }

    /// <summary>Lemire's nearly-divisionless unbiased bounded draw.</summary>
    private ulong NextUInt64Below(ulong bound)
    {
        ulong x = NextUInt64();
        UInt128 m = (UInt128)x * bound;
        ulong low = (ulong)m;
        if (low < bound)
        {
            ulong threshold = (0UL - bound) % bound;
            while (low < threshold)
            {
                x = NextUInt64();
                m = (UInt128)x * bound;
                low = (ulong)m;
            }
        }
        return (ulong)(m >> 64);
    }

    /// <summary>A standard normal variate (Marsaglia polar method).</summary>
    public double NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }
        double u, v, s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        }
        while (s >= 1.0 || s == 0.0);
        double m = Math.Sqrt(-2.0 * DetMath.Log(s) / s);
        _spareNormal = v * m;
        _hasSpare = true;
        return u * m;
    }

    /// <summary>A normal variate with the given mean and standard deviation.</summary>
    public double NextNormal(double mean, double stdDev) => mean + stdDev * NextNormal();

    /// <summary>An exponential variate with rate λ (mean 1/λ).</summary>
    public double NextExponential(double rate) => -DetMath.Log(NextDoubleNonZero()) / rate;

    /// <summary>Fisher–Yates shuffle in place, drawing from this stream.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
