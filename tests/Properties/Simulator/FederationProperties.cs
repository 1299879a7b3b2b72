using FsCheck;
using FsCheck.Fluent;
using SimByz.Scheduler;
using SimByz.Simulator.Engine.Federation;

namespace SimByz.Tests.Properties.Simulator;

/// <summary>A federated population: N clients (mostly small, sometimes up to 10⁶), m per round, q Byzantine, a seed.</summary>
public sealed record FederationCase(int Clients, int PerRound, int Byzantine, ulong Seed)
{
    public override string ToString() => $"N={Clients} m={PerRound} q={Byzantine} seed={Seed}";
}

/// <summary>Generators of <see cref="FederationCase"/>: N from 1 to 10⁶ (small values weighted up, so m = N and
/// q = N − 1 edges are hit), m in [1, min(N, 64)], q in [0, N − 1], any 64-bit seed.</summary>
public static class FederationArbitraries
{
    private static readonly Gen<int> ClientCounts = Gen.Frequency(
        (4, Gen.Choose(1, 40)),
        (3, Gen.Choose(41, 5000)),
        (1, Gen.Choose(5001, 1_000_000)));

    public static Gen<FederationCase> Cases { get; } =
        from n in ClientCounts
        from m in Gen.Choose(1, Math.Min(n, 64))
        from q in Gen.Choose(0, n - 1)
        from seed in ArbMap.Default.GeneratorFor<ulong>()
        select new FederationCase(n, m, q, seed);

    public static Arbitrary<FederationCase> Federation() => Arb.From(Cases);
}

/// <summary>
/// Properties of federated sampling over (N, m, q, seed): every synchronous round is m distinct clients in [0, N),
/// sorted, decided by the seed alone; every async draw is a client not active; the number of Byzantine clients in a
/// sample is what <see cref="ClientPopulation.IsByzantine"/> says; the Byzantine set has exactly q members (counted
/// over all N when N ≤ 5000).
/// </summary>
public class FederationProperties
{
    [BudgetedProperty(Arbitrary = new[] { typeof(FederationArbitraries) })]
    public void Rounds_AreDistinctInRange_AndDecidedByTheSeed(FederationCase c)
    {
        var population = new ClientPopulation(c.Clients, c.PerRound, c.Byzantine, [0, 1, 2, 3], c.Seed);
        var a = new ClientSampler(population);
        var b = new ClientSampler(population);
        var ra = new List<int>();
        var rb = new List<int>();
        for (int r = 0; r < 5; r++)
        {
            a.SampleRound(SimTime.Zero, ra);
            b.SampleRound(SimTime.Zero, rb);
            if (ra.Count != c.PerRound) throw new InvalidOperationException($"{c}: round {r} has {ra.Count} clients");
            for (int i = 0; i < ra.Count; i++)
            {
                if (ra[i] < 0 || ra[i] >= c.Clients) throw new InvalidOperationException($"{c}: client {ra[i]} out of range");
                if (i > 0 && ra[i - 1] >= ra[i]) throw new InvalidOperationException($"{c}: not distinct and sorted: {string.Join(",", ra)}");
            }
            if (!ra.SequenceEqual(rb)) throw new InvalidOperationException($"{c}: same seed, different rounds");
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(FederationArbitraries) })]
    public void AsyncDraws_NeverPickAnActiveClient(FederationCase c)
    {
        var population = new ClientPopulation(c.Clients, c.PerRound, c.Byzantine, [0, 1, 2, 3], c.Seed);
        var sampler = new ClientSampler(population);
        var active = new HashSet<int>();
        var order = new Queue<int>();
        for (int k = 0; k < 3 * c.PerRound; k++)
        {
            if (active.Count == c.PerRound) active.Remove(order.Dequeue());
            int client = sampler.SampleOne(SimTime.Zero, active.Count, active.Contains);
            if (client < 0 || client >= c.Clients || !active.Add(client)) throw new InvalidOperationException($"{c}: draw {k} gave {client}, active {{{string.Join(",", active)}}}");
            order.Enqueue(client);
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(FederationArbitraries) })]
    public void ByzantineSet_HasExactlyQ_AndASampleCountsItsMembers(FederationCase c)
    {
        var population = new ClientPopulation(c.Clients, c.PerRound, c.Byzantine, [7], c.Seed);
        if (c.Clients <= 5000)
        {
            int q = Enumerable.Range(0, c.Clients).Count(population.IsByzantine);
            if (q != c.Byzantine) throw new InvalidOperationException($"{c}: {q} Byzantine clients");
        }
        var round = new List<int>();
        new ClientSampler(population).SampleRound(SimTime.Zero, round);
        int inRound = round.Count(population.IsByzantine);
        if (inRound > Math.Min(c.PerRound, c.Byzantine) || inRound < Math.Max(0, c.PerRound - (c.Clients - c.Byzantine)))
        {
            throw new InvalidOperationException($"{c}: {inRound} Byzantine in a round of {c.PerRound}, outside the hypergeometric support");
        }
        // Same client, same answer, whoever else exists: a second population with the same seed agrees.
        var again = new ClientPopulation(c.Clients, c.PerRound, c.Byzantine, [1, 2], c.Seed);
        if (round.Any(x => again.IsByzantine(x) != population.IsByzantine(x))) throw new InvalidOperationException($"{c}: membership depends on the pool");
    }
}
