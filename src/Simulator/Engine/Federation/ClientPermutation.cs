using SimByz.Scheduler;

namespace SimByz.Simulator.Engine.Federation;

/// <summary>
/// A seeded bijection of [0, N) computed on demand in O(1) memory: a four-round balanced Feistel network
/// on the smallest even number of bits b with 2^b ≥ N, cycle-walked back into [0, N) (Black and Rogaway,
/// "Ciphers with Arbitrary Finite Domains", CT-RSA 2002, the cycle-walking construction).
/// </summary>
/// <remarks>The round function is the SplitMix64 finalizer of (round key ⊕ half), the round keys derived from the
/// seed. Since 2^b &lt; 4N, a value walks at most a few steps on average. Used to pick the Byzantine clients
/// (those whose image is below q) without an O(N) array. Immutable, thread-safe.</remarks>
public sealed class ClientPermutation
{
    private readonly long _n;
    private readonly int _half;
    private readonly ulong _mask;
    private readonly ulong[] _keys = new ulong[4];

    /// <param name="n">N ≥ 1, the domain size.</param>
    /// <param name="seed">The permutation's seed.</param>
    public ClientPermutation(long n, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        _n = n;
        int bits = 2;
        while ((1L << bits) < n) bits += 2;
        _half = bits / 2;
        _mask = (1UL << _half) - 1;
        ulong state = seed;
        for (int k = 0; k < _keys.Length; k++) _keys[k] = SplitMix64.Next(ref state);
    }

    /// <summary>N.</summary>
    public long Count => _n;

    /// <summary>The image of <paramref name="x"/> in [0, N).</summary>
    public long Apply(long x)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, _n);
        ulong v = (ulong)x;
        do
        {
            v = Encrypt(v);
        }
        while (v >= (ulong)_n);
        return (long)v;
    }

    private ulong Encrypt(ulong v)
    {
        ulong left = v >> _half, right = v & _mask;
        foreach (ulong key in _keys)
        {
            ulong next = left ^ (SplitMix64.Mix(key ^ right) & _mask);
            left = right;
            right = next;
        }
        return (left << _half) | right;
    }
}
