namespace SimByz.Scheduler;

/// <summary>
/// Derives independent streams from (root seed, purpose, entity id), so every consumer owns its
/// stream and adding an entity never shifts another's draws (DESIGN.md, Randomness).
/// </summary>
/// <remarks>
/// seed = Mix(Mix(Mix(root + γ) ⊕ FNV1a64(purpose)) ⊕ (entity + γ)), with γ the golden gamma
/// 0x9E3779B97F4A7C15 and Mix the SplitMix64 finalizer; the stream is
/// <c>new RandomStream(seed)</c>. Purposes are short stable strings, see <see cref="StreamPurpose"/>.
/// The derivation is part of the trace format: changing it changes every result.
/// </remarks>
public static class RandomStreams
{
    /// <summary>The stream of <paramref name="purpose"/> for entity <paramref name="entityId"/>.</summary>
    public static RandomStream Derive(ulong rootSeed, string purpose, long entityId = 0)
        => new(DeriveSeed(rootSeed, purpose, entityId));

    /// <summary>The 64-bit seed behind <see cref="Derive"/>.</summary>
    public static ulong DeriveSeed(ulong rootSeed, string purpose, long entityId = 0)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        ulong h = SplitMix64.Mix(rootSeed + 0x9E3779B97F4A7C15UL);
        h = SplitMix64.Mix(h ^ Fnv1a64(purpose));
        return SplitMix64.Mix(h ^ ((ulong)entityId + 0x9E3779B97F4A7C15UL));
    }

    /// <summary>FNV-1a 64-bit over the UTF-16 code units of <paramref name="s"/> (low byte, then high byte).</summary>
    public static ulong Fnv1a64(string s)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (char c in s)
        {
            h = (h ^ (byte)c) * 0x100000001b3UL;
            h = (h ^ (byte)(c >> 8)) * 0x100000001b3UL;
        }
        return h;
    }
}
