using SimByz.Scheduler;

namespace SimByz.Simulator.Engine.Federation;

/// <summary>
/// The N clients of a federated run (docs/SCENARIOS.md, Federated clients), held in memory independent of N:
/// who is Byzantine, which training rows each holds, and how many take part per round.
/// </summary>
/// <remarks>
/// <para><b>Byzantine clients.</b> Client c is Byzantine when π(c) &lt; q, π a seeded bijection of [0, N)
/// (<see cref="ClientPermutation"/>, stream <c>client.byzantine</c>): exactly q clients, a uniformly spread fixed
/// set, decided in O(1) memory. The number of Byzantine clients in a round's sample therefore varies
/// (hypergeometric: mean m·q/N).</para>
/// <para><b>Data (IID).</b> The training pool (the rows left after the validation and test splits) is put in a
/// seeded order (stream <c>client.partition</c>); with R rows, client c holds the slice
/// [⌊c·R/N⌋, max(⌊(c+1)·R/N⌋, ⌊c·R/N⌋ + 1)). With N ≤ R this is an IID partition into disjoint shards of ⌊R/N⌋
/// or ⌈R/N⌉ rows; with N &gt; R every client holds one row, and the ⌊N/R⌋ or ⌈N/R⌉ consecutive clients whose
/// slices start at the same place share it. Nothing is allocated per client.</para>
/// <para><b>Streams.</b> A client taking part in round r (async: in the r-th slot filling) draws its data, delays
/// and augmentation from streams derived from (seed, purpose, <see cref="ActivationKey"/>(c, r)): its behaviour
/// depends on its own id and the round, never on which other clients exist.</para>
/// <para>Immutable, thread-safe.</para>
/// </remarks>
public sealed class ClientPopulation
{
    /// <summary>The largest N a scenario may ask for.</summary>
    public const int MaxClients = 10_000_000;

    private readonly ClientPermutation _byzantine;
    private readonly int[] _pool;

    /// <param name="clients">N ≥ 1.</param>
    /// <param name="perRound">m in [1, N].</param>
    /// <param name="byzantine">q in [0, N − 1].</param>
    /// <param name="pool">The training rows the clients' slices are cut from, in the order to cut them (not copied).</param>
    /// <param name="seed">The run's root seed.</param>
    /// <param name="trace">The availability trace, or null: uniform sampling over all clients.</param>
    public ClientPopulation(int clients, int perRound, int byzantine, int[] pool, ulong seed, AvailabilityTrace? trace = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (clients < 1) throw new SimByzException($"federation: clients = {clients}: expected at least 1");
        if (perRound < 1 || perRound > clients) throw new SimByzException($"federation: perRound = {perRound}: expected in [1, clients = {clients}]");
        if (byzantine < 0 || byzantine > clients - 1) throw new SimByzException($"federation: {byzantine} Byzantine clients of {clients}: expected in [0, {clients - 1}] (at least one honest client)");
        if (pool.Length == 0) throw new SimByzException("federation: the training pool is empty: the clients would hold no data");
        Clients = clients;
        PerRound = perRound;
        ByzantineClients = byzantine;
        _pool = pool;
        Seed = seed;
        Trace = trace;
        _byzantine = new ClientPermutation(clients, RandomStreams.DeriveSeed(seed, StreamPurpose.ClientByzantine, 0));
    }

    /// <summary>N.</summary>
    public int Clients { get; }

    /// <summary>m, the clients sampled per round (async: kept active at once).</summary>
    public int PerRound { get; }

    /// <summary>q, the Byzantine clients among the N.</summary>
    public int ByzantineClients { get; }

    /// <summary>The run's root seed.</summary>
    public ulong Seed { get; }

    /// <summary>The availability trace, or null (uniform sampling).</summary>
    public AvailabilityTrace? Trace { get; }

    /// <summary>Rows in the training pool.</summary>
    public int PoolRows => _pool.Length;

    /// <summary>The number of Byzantine inputs a defence is built to tolerate: ⌈m·q/N⌉, the expected number per round rounded up.</summary>
    public int AssumedByzantinePerRound => (int)(((long)PerRound * ByzantineClients + Clients - 1) / Clients);

    /// <summary>Whether client <paramref name="client"/> is Byzantine.</summary>
    public bool IsByzantine(int client) => ByzantineClients > 0 && _byzantine.Apply(client) < ByzantineClients;

    /// <summary>The training rows client <paramref name="client"/> holds (a view of the pool; see the type's remarks).</summary>
    public ReadOnlySpan<int> ShardOf(int client)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(client);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(client, Clients);
        long rows = _pool.Length;
        int start = (int)(client * rows / Clients);
        int end = (int)Math.Max((client + 1L) * rows / Clients, start + 1L);
        return _pool.AsSpan(start, end - start);
    }

    /// <summary>The entity id of the streams of client <paramref name="client"/> when it takes part in round (or slot filling) <paramref name="activation"/>.</summary>
    public static long ActivationKey(int client, long activation)
        => (long)SplitMix64.Mix(SplitMix64.Mix((ulong)client + 0x9E3779B97F4A7C15UL) ^ (ulong)activation);
}
