using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Scheduler;

/// <summary>
/// Known-answer tests for the generators. Expected values come from the reference C code,
/// splitmix64.c and xoshiro256starstar.c (Vigna, https://prng.di.unimi.it/), and were computed
/// with an independent Python transcription of that code (arbitrary-precision integers masked to
/// 64 bits); the SplitMix64 vector for seed 1234567 is also the one published on Rosetta Code
/// ("Pseudo-random numbers/Splitmix64"). <see cref="ReferenceXoshiro"/> below re-implements the
/// published algorithm independently (UInt128 arithmetic, no shared code) as a second witness.
/// </summary>
public class RandomStreamTests
{
    [Fact]
    public void SplitMix64_Seed0_MatchesReferenceOutputs()
    {
        ulong state = 0;
        ulong[] expected = [0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL, 0xF88BB8A8724C81ECUL, 0x1B39896A51A8749BUL];
        foreach (ulong e in expected) Assert.Equal(e, SplitMix64.Next(ref state));
    }

    [Fact]
    public void SplitMix64_Seed1234567_MatchesPublishedVector()
    {
        ulong state = 1234567;
        ulong[] expected = [6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL];
        foreach (ulong e in expected) Assert.Equal(e, SplitMix64.Next(ref state));
    }

    [Fact]
    public void Xoshiro256StarStar_State1234_MatchesReferenceOutputs()
    {
        var rng = RandomStream.FromState(1, 2, 3, 4);
        ulong[] expected = [11520UL, 0UL, 1509978240UL, 1215971899390074240UL, 1216172134540287360UL, 607988272756665600UL, 16172922978634559625UL, 8476171486693032832UL];
        foreach (ulong e in expected) Assert.Equal(e, rng.NextUInt64());
    }

    [Fact]
    public void Constructor_Seed42_SeedsStateWithSplitMix64AndMatchesReference()
    {
        var rng = new RandomStream(42);
        ulong[] expected = [1546998764402558742UL, 6990951692964543102UL, 12544586762248559009UL, 17057574109182124193UL, 18295552978065317476UL];
        foreach (ulong e in expected) Assert.Equal(e, rng.NextUInt64());
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(42UL)]
    [InlineData(0xDEADBEEFCAFEBABEUL)]
    public void NextUInt64_AnySeed_AgreesWithIndependentImplementation(ulong seed)
    {
        var rng = new RandomStream(seed);
        var reference = new ReferenceXoshiro(seed);
        for (int i = 0; i < 1000; i++) Assert.Equal(reference.Next(), rng.NextUInt64());
    }

    [Fact]
    public void NextDouble_IsTop53BitsScaled()
    {
        var a = new RandomStream(7);
        var b = new RandomStream(7);
        for (int i = 0; i < 100; i++)
        {
            double d = a.NextDouble();
            Assert.Equal((b.NextUInt64() >> 11) / 9007199254740992.0, d);
            Assert.InRange(d, 0.0, 1.0 - 1e-17);
        }
    }

    [Fact]
    public void NextDoubleNonZero_IsInHalfOpenUnitIntervalExcludingZero()
    {
        var rng = RandomStream.FromState(0, 0, 0, 1);
        for (int i = 0; i < 10_000; i++)
        {
            double d = rng.NextDoubleNonZero();
            Assert.True(d > 0 && d <= 1.0);
        }
    }

    [Fact]
    public void NextInt_SmallBound_IsUniformByChiSquare()
    {
        // 6 cells, 60 000 draws: chi-square with 5 degrees of freedom; 25.7 is the 0.9999 quantile.
        var rng = new RandomStream(2024);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++) counts[rng.NextInt(6)]++;
        double chi2 = 0;
        foreach (int c in counts) chi2 += (c - 10_000.0) * (c - 10_000.0) / 10_000.0;
        Assert.True(chi2 < 25.7, $"chi2 = {chi2}");
    }

    [Fact]
    public void NextLong_Range_StaysWithinBounds()
    {
        var rng = new RandomStream(5);
        for (int i = 0; i < 10_000; i++) Assert.InRange(rng.NextLong(-3, 4), -3, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextLong(4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Fact]
    public void NextNormal_ManyDraws_HasUnitMomentsWithinFiveStandardErrors()
    {
        var rng = new RandomStream(99);
        const int n = 200_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double z = rng.NextNormal();
            sum += z;
            sumSq += z * z;
        }
        double mean = sum / n, variance = sumSq / n - mean * mean;
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - 5 * Math.Sqrt(2.0 / n), 1 + 5 * Math.Sqrt(2.0 / n));
    }

    [Fact]
    public void Shuffle_AnySeed_ProducesAPermutation()
    {
        var rng = new RandomStream(3);
        int[] items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        rng.Shuffle(items.AsSpan());
        Array.Sort(items);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], items);
    }

    [Fact]
    public void Derive_SameInputs_GivesSameStream_DifferentInputsDiffer()
    {
        Assert.Equal(RandomStreams.DeriveSeed(1, StreamPurpose.WorkerCompute, 3), RandomStreams.DeriveSeed(1, StreamPurpose.WorkerCompute, 3));
        Assert.NotEqual(RandomStreams.DeriveSeed(1, StreamPurpose.WorkerCompute, 3), RandomStreams.DeriveSeed(1, StreamPurpose.WorkerCompute, 4));
        Assert.NotEqual(RandomStreams.DeriveSeed(1, StreamPurpose.WorkerCompute, 3), RandomStreams.DeriveSeed(1, StreamPurpose.WorkerNetwork, 3));
        Assert.NotEqual(RandomStreams.DeriveSeed(1, StreamPurpose.WorkerCompute, 3), RandomStreams.DeriveSeed(2, StreamPurpose.WorkerCompute, 3));
    }

    [Fact]
    public void Fnv1a64_EmptyString_IsOffsetBasis()
        => Assert.Equal(0xcbf29ce484222325UL, RandomStreams.Fnv1a64(""));

    [Fact]
    public void FromState_AllZero_Throws()
        => Assert.Throws<ArgumentException>(() => RandomStream.FromState(0, 0, 0, 0));

    /// <summary>xoshiro256** and SplitMix64 transcribed from the reference C, sharing no code with src/.</summary>
    private sealed class ReferenceXoshiro
    {
        private readonly ulong[] _s = new ulong[4];

        public ReferenceXoshiro(ulong seed)
        {
            UInt128 x = seed;
            for (int i = 0; i < 4; i++)
            {
                x = (x + 0x9E3779B97F4A7C15UL) & ulong.MaxValue;
                UInt128 z = x;
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL) & ulong.MaxValue;
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EBUL) & ulong.MaxValue;
                _s[i] = (ulong)(z ^ (z >> 31));
            }
        }

        public ulong Next()
        {
            ulong result = ulong.RotateLeft(_s[1] * 5, 7) * 9;
            ulong t = _s[1] << 17;
            _s[2] ^= _s[0];
            _s[3] ^= _s[1];
            _s[1] ^= _s[2];
            _s[0] ^= _s[3];
            _s[2] ^= t;
            _s[3] = ulong.RotateLeft(_s[3], 45);
            return result;
        }
    }
}
